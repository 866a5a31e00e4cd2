import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const SRC = new URL('../src/', import.meta.url);

/** Every package name the library's own code imports, statically or with import(). */
function importedPackages(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of readdirSync(SRC).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, SRC), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from\s+|import\()\s*'([^'.][^']*)'/g)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      const name = specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
      found.set(name, [...(found.get(name) ?? []), file]);
    }
  }
  return found;
}

describe('package manifest', () => {
  it('declares every package src/ imports as a dependency or a peer dependency', () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const imported = importedPackages();
    expect(imported.size).toBeGreaterThan(4);
    expect([...imported.keys()].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('keeps the store drivers and the WebSocket package optional', () => {
    expect(pkg.peerDependenciesMeta.ioredis?.optional).toBe(true);
    expect(pkg.peerDependenciesMeta['@aws-sdk/client-dynamodb']?.optional).toBe(true);
    expect(pkg.peerDependenciesMeta['@nestjs/websockets']?.optional).toBe(true);
  });
});
