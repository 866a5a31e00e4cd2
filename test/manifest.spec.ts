import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const SRC = new URL('../src/', import.meta.url);
// Every source file of the library, in every folder, as a path relative to src/.
const SOURCES = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
const textOf = (file: string) => readFileSync(new URL(file, SRC), 'utf8');

/** Every package name the library's own code imports, statically or with import(). */
function importedPackages(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of SOURCES) {
    const text = textOf(file);
    for (const [, specifier] of text.matchAll(/(?:from\s+|import\()\s*'([^'.][^']*)'/g)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      const name = specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
      found.set(name, [...(found.get(name) ?? []), file]);
    }
  }
  return found;
}

/** The files of src/ each file imports, type-only imports included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SOURCES) {
    const targets = [...textOf(file).matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)\.js'/g)].map(([, specifier]) =>
      normalize(join(dirname(file), `${specifier}.ts`)),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** The import cycles of src/, each as the path that comes back to where it started. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, path: string[]) => {
    const at = path.indexOf(file);
    if (at !== -1) return void cycles.push([...path.slice(at), file]);
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
  return cycles;
}

describe('source layout', () => {
  it('reads sources in sub-folders too', () => {
    expect(SOURCES).toContain('index.ts');
    expect(SOURCES.some((file) => file.includes('/'))).toBe(true);
  });

  it('has no file that imports a file importing it back', () => {
    const graph = importGraph();
    for (const [file, targets] of graph) {
      for (const target of targets) expect(graph.has(target), `${file} imports a missing ${target}`).toBe(true);
    }
    expect(importCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});

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

  it('keeps Terminus optional, and out of the code: the health indicator builds its result itself', () => {
    expect(pkg.peerDependenciesMeta['@nestjs/terminus']?.optional).toBe(true);
    expect(importedPackages().get('@nestjs/terminus')).toBeUndefined();
  });
});
