#!/usr/bin/env node
// Runs every bench/*.bench.mjs (against the compiled library in dist/) and prints one
// table: what was measured, how, the figure, and the date. Pass names to run a subset:
//   npm run bench -- pk lmm
// Each bench module exports `default async function run(): Promise<Row[]>` with
//   Row = { what: string, how: string, figure: string }.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const date = new Date().toISOString().slice(0, 10);
const rows = [];
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  const mod = await import(pathToFileURL(join(here, f)).href);
  for (const r of await mod.default()) {
    rows.push({ ...r, date });
    process.stderr.write(`  ${r.what}: ${r.figure}\n`);
  }
}
console.log('| what | how measured | figure | date |');
console.log('|---|---|---|---|');
// A '|' inside a cell (e.g. an lme4 formula) is escaped so that the table stays a table.
const cell = (text) => String(text).replace(/\|/g, '\\|');
for (const r of rows) console.log(`| ${cell(r.what)} | ${cell(r.how)} | ${cell(r.figure)} | ${r.date} |`);
