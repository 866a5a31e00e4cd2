import { Reflector } from '@nestjs/core';

/**
 * Lets a guarded route run without a session (login, public pages). The guard still loads a
 * valid session when the request has one; otherwise the route gets a blank session to start.
 */
export const AllowAnonymous = Reflector.createDecorator<void, true>({ transform: () => true });
