import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';

/** What `SessionAdminModule.register()` takes. */
export interface SessionAdminOptions {
  /**
   * Required: the app's own guard, which must admit only operators, since these routes list and
   * end any user's sessions. A class (resolved in this module, with `imports`) or an instance.
   * For operators who sign in with a session: a subclass of `SessionGuard` whose `onSession`
   * checks their role.
   */
  guard: Type<CanActivate> | CanActivate;
  /**
   * Where the routes are mounted, default `admin/sessions`: away from `/sessions`, where an app
   * keeps its users' own "your devices" routes.
   */
  path?: string;
  /**
   * Modules the guard's dependencies come from, and `SessionModule.forRoot(...)` itself (the same
   * object the app imports) unless it is registered with `isGlobal: true`.
   */
  imports?: ModuleMetadata['imports'];
}
