/**
 * Every code block of README.md runs as written: the TypeScript blocks are transpiled and run
 * with `popkit` resolved to the compiled library (dist/, built by `npm test`), from the
 * repository root; the shell blocks' popkit commands run in order in a scratch folder that
 * links the repository's models, datasets, examples and reference (so that outputs such as
 * pheno-fit/ are where the later commands expect them). Each must exit with status 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(new URL('../..', import.meta.url).pathname);
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block { readonly lang: string; readonly code: string; readonly line: number }

const blocks: Block[] = [];
{
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++;
    blocks.push({ lang: open[1]!, code: lines.slice(start, i + 1).join('\n'), line: start });
    i++;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'popkit-readme-'));
for (const d of ['models', 'datasets', 'examples', 'reference']) symlinkSync(join(root, d), join(scratch, d));
mkdirSync(join(scratch, 'snippets'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const entry = (sub: string): string => pathToFileURL(join(root, 'dist', sub)).href;

/** The popkit commands of a shell block: `\\` continuations joined, comments and npm steps left out. */
function popkitCommands(code: string): string[][] {
  const joined = code.replace(/\\\n\s*/g, ' ');
  const out: string[][] = [];
  for (const line of joined.split('\n')) {
    for (const part of line.replace(/\s#.*$/, '').split('&&')) {
      const words = shellWords(part.trim());
      if (words[0] === 'npx') words.shift();
      if (words[0] === 'popkit') out.push(words.slice(1));
    }
  }
  return out;
}

/** Split a command into words, honouring double quotes. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

describe('README code blocks', () => {
  it('has TypeScript and shell blocks to run', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(9);
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(5);
  });

  for (const [k, b] of blocks.entries()) {
    if (b.lang === 'ts') {
      it(`README.md:${b.line}: the TypeScript block runs`, () => {
        const source = b.code.replace(/from 'popkit'/g, `from '${entry('index.js')}'`).replace(/from 'popkit\/internal'/g, `from '${entry('internal.js')}'`);
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
        const file = join(scratch, 'snippets', `block-${k}.mjs`);
        writeFileSync(file, js);
        const run = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 300_000 });
        expect(run.stderr, `README.md:${b.line}`).not.toMatch(/Error/);
        expect(run.status, `README.md:${b.line}: ${run.stderr}`).toBe(0);
      }, 300_000);
    } else if (b.lang === 'sh') {
      for (const args of popkitCommands(b.code)) {
        it(`README.md:${b.line}: popkit ${args.join(' ')}`, () => {
          const run = spawnSync(process.execPath, [join(root, 'bin', 'popkit.js'), ...args], { cwd: scratch, encoding: 'utf8', timeout: 300_000 });
          expect(run.status, `README.md:${b.line}: ${run.stderr}`).toBe(0);
        }, 300_000);
      }
    }
  }
});
