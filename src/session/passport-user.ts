import { isObject } from '../config/checks.js';

/**
 * The user passport keeps in a session, `passport.user`, when it is an ID (a string, or a finite
 * number as serializers often return); null otherwise, as for a serializer that stores an object.
 */
export function passportUserId(data: Record<string, unknown>): string | null {
  const user = isObject(data['passport']) ? data['passport']['user'] : undefined;
  if (typeof user === 'number' && Number.isFinite(user)) return String(user);
  return typeof user === 'string' && user !== '' ? user : null;
}
