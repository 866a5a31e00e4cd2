import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The TypeScript blocks of one README section, in order. */
function codeBlocks(section: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${section}\n`);
  const end = readme.indexOf('\n## ', start + 1);
  return [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code as string);
}

/** TypeScript errors of the files written into `dir`, compiled from `entry` against this repository's source. */
function typeErrors(dir: string, entry: string): string[] {
  const program = ts.createProgram([join(dir, entry)], {
    strict: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    // The README imports the package by name; here that is this repository's source.
    paths: { 'nestjs-session-store': [join(ROOT, 'src/index.ts')] },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the README', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readme-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a Quickstart that compiles as written', () => {
    const [module, controller] = codeBlocks('Quickstart');
    expect(module).toContain('SessionModule.forRoot');
    expect(controller).toContain('class AuthController');
    writeFileSync(join(dir, 'app.module.ts'), module as string);
    writeFileSync(join(dir, 'auth.controller.ts'), controller as string);
    expect(typeErrors(dir, 'app.module.ts')).toEqual([]);
  });

  it('has an Admin API example that compiles as written', () => {
    const [module] = codeBlocks('Admin API');
    expect(module).toContain('SessionAdminModule.register');
    writeFileSync(join(dir, 'admin.module.ts'), module as string);
    expect(typeErrors(dir, 'admin.module.ts')).toEqual([]);
  });

  it('has a Health checks example that compiles as written', () => {
    const [controller] = codeBlocks('Health checks');
    expect(controller).toContain('isHealthy');
    writeFileSync(join(dir, 'health.controller.ts'), controller as string);
    expect(typeErrors(dir, 'health.controller.ts')).toEqual([]);
  });
});
