/**
 * The session object an old store's text holds, or null for one that does not parse into an
 * object: a corrupt record is a session that cannot be moved, not an outage.
 */
export function plainRecordOf(parse: () => unknown): Record<string, unknown> | null {
  try {
    const value = parse();
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
