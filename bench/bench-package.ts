/**
 * Loads a package that only bench/ depends on (bench/package.json: the anchors and autocannon).
 * The repository's type check covers bench/ but runs on clones that have not installed bench's
 * packages, so these are loaded by a name the compiler does not resolve; each caller states the
 * few members it uses as an interface.
 */
export async function loadBenchPackage<T>(name: string): Promise<T> {
  const loaded = (await import(name)) as { default?: unknown };
  // CommonJS packages arrive as `default`; ES modules with named exports as the namespace.
  return (loaded.default ?? loaded) as T;
}
