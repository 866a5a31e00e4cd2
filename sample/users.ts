import { createHash, timingSafeEqual } from 'node:crypto';

export interface DemoUser {
  id: string;
  name: string;
  role: 'admin' | 'member';
}

// A fixed demo list: the sample is about sessions, not about storing passwords.
const USERS: Array<DemoUser & { password: string }> = [
  { id: 'u-alice', name: 'alice', role: 'admin', password: 'alice-password' },
  { id: 'u-bob', name: 'bob', role: 'member', password: 'bob-password' },
];

const digest = (value: string) => createHash('sha256').update(value).digest();

export function verifyUser(name: string, password: string): DemoUser | undefined {
  const user = USERS.find((u) => u.name === name);
  // Compare digests in constant time so a wrong password takes as long as a right one.
  const ok = timingSafeEqual(digest(password), digest(user?.password ?? '\0'));
  return user && ok ? { id: user.id, name: user.name, role: user.role } : undefined;
}
