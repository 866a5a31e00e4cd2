import { type DynamicModule, Module } from '@nestjs/common';
import { type ConfigProblem, SessionConfigError } from '../config/session-config.error.js';
import { sessionAdminController } from './session-admin.controller.js';
import type { SessionAdminOptions } from './session-admin.options.js';
import { SessionGuard } from '../transport/session.guard.js';
import { SessionService } from '../session/session.service.js';

const DEFAULT_PATH = 'admin/sessions';
// Plain path segments: no route parameters or wildcards that would widen what the routes match.
const PATH_FORMAT = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const SESSION_MODULE_PRESENT = Symbol('SESSION:ADMIN_NEEDS_SESSION_MODULE');

function isGuard(guard: unknown): boolean {
  if (typeof guard === 'function') return true;
  return typeof guard === 'object' && guard !== null && typeof (guard as { canActivate?: unknown }).canActivate === 'function';
}

/** Every problem with the options, named as the user wrote them. */
function adminProblems(options: Partial<SessionAdminOptions> | undefined, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const guard = options?.guard;
  if (guard === undefined || guard === null) {
    problems.push({
      name: 'SessionAdminModule.guard',
      reason:
        "is required: the app's own guard that admits only operators, since these routes list and end any user's sessions " +
        '(for example a subclass of SessionGuard whose onSession checks the role)',
    });
  } else if (guard === SessionGuard) {
    problems.push({
      name: 'SessionAdminModule.guard',
      reason: 'SessionGuard admits every signed-in user; subclass it and check the operator role in onSession',
    });
  } else if (!isGuard(guard)) {
    problems.push({ name: 'SessionAdminModule.guard', reason: 'must be a guard class or an object with canActivate' });
  }
  if (!PATH_FORMAT.test(path)) {
    problems.push({ name: 'SessionAdminModule.path', reason: 'must be one or more plain path segments, like admin/sessions' });
  }
  return problems;
}

/**
 * Opt-in JSON routes for operators: list a user's sessions with their count, end one session,
 * end all of a user's sessions. Refuses to register without the app's own admin guard.
 */
@Module({})
export class SessionAdminModule {
  static register(options: SessionAdminOptions): DynamicModule {
    const given = options?.path ?? DEFAULT_PATH;
    const path = typeof given === 'string' ? given.replace(/^\/+|\/+$/g, '') : '';
    const problems = adminProblems(options, path);
    if (problems.length > 0) throw new SessionConfigError(problems);
    return {
      module: SessionAdminModule,
      imports: options.imports ?? [],
      controllers: [sessionAdminController(path, options.guard)],
      providers: [
        {
          // Made before the routes' guards and controller, so a missing SessionModule is said in these words.
          provide: SESSION_MODULE_PRESENT,
          inject: [{ token: SessionService, optional: true }],
          useFactory: (service: SessionService | undefined) => {
            if (service) return true;
            throw new SessionConfigError([
              {
                name: 'SessionAdminModule.imports',
                reason:
                  'SessionModule is not visible here: register it with isGlobal: true, or pass the same SessionModule.forRoot(...) object in imports',
              },
            ]);
          },
        },
      ],
    };
  }
}
