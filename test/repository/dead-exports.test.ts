/**
 * No dead export in the tree (knip, pinned; knip.config.ts names the entry points and the documented
 * library barrels), and the check really bites: the same configuration over a copy of the repository with
 * one planted unused export and one planted unused file fails and names both.
 */
import { afterAll, expect, test } from '@jest/globals';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess } from '../helpers/process.js';

const KNIP = resolve('node_modules/knip/bin/knip.js');
const scratch = mkdtempSync(join(tmpdir(), 'oac-dead-exports-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function knip(cwd: string) {
  return runProcess(process.execPath, [KNIP, '--include', 'exports,types,files', '--reporter', 'compact', '--no-progress'], { cwd, timeoutMs: 120_000 });
}

test('every export is imported somewhere or is documented library API', async () => {
  const run = await knip(process.cwd());
  expect({ code: run.code, findings: run.stdout }).toEqual({ code: 0, findings: '' });
}, 120_000);

test('a planted unused export and a planted unused file fail, each named with its file', async () => {
  const copy = join(scratch, 'repo');
  for (const entry of ['src', 'test', 'scripts', 'examples/ollama-js', 'tsconfig.json', 'knip.config.ts', 'package.json']) {
    cpSync(entry, join(copy, entry), { recursive: true });
  }
  symlinkSync(resolve('node_modules'), join(copy, 'node_modules'));
  appendFileSync(join(copy, 'src/protocol/nonce.ts'), '\nexport const PLANTED_UNUSED = 1;\n');
  writeFileSync(join(copy, 'src/protocol/planted.ts'), 'export const planted = 1;\n');
  const run = await knip(copy);
  expect(run.code).not.toBe(0);
  expect(run.stdout).toMatch(/^Unused files \(1\)\nsrc\/protocol\/planted\.ts/m);
  expect(run.stdout).toMatch(/^Unused exports \(1\)\nsrc\/protocol\/nonce\.ts: PLANTED_UNUSED$/m);
}, 120_000);
