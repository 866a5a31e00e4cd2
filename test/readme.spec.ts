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

describe('the README', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a Quickstart that compiles as written', () => {
    const [module, controller] = codeBlocks('Quickstart');
    expect(module).toContain('SessionModule.forRoot');
    expect(controller).toContain('class AuthController');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'app.module.ts'), module as string);
    writeFileSync(join(dir, 'auth.controller.ts'), controller as string);
    const program = ts.createProgram([join(dir, 'app.module.ts')], {
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
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  });
});
