import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';

/** What express-session and @fastify/session both put on the request: the session's data as properties. */
export interface AnchorRequest {
  session?: { userId?: string };
}

/** For the anchors: refuses a request whose session holds no user, as an app guard over them would. */
@Injectable()
export class AnchorSessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AnchorRequest>();
    if (request.session?.userId === undefined) throw new UnauthorizedException('Session required');
    return true;
  }
}
