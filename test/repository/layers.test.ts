/**
 * The layer order of src/ (README, "Layout"; .dependency-cruiser.cjs) holds, and the check really bites:
 * the same configuration run over a copy of src/ with one planted upward import fails and names it.
 */
import { afterAll, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess } from '../helpers/process.js';

const DEPCRUISE = resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'oac-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cruise(cwd: string) {
  return runProcess(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, timeoutMs: 120_000 });
}

test('src/ has no import against the layer order and no cycle', async () => {
  const run = await cruise(process.cwd());
  expect(run.stdout + run.stderr).toMatch(/no dependency violations found/);
  expect(run.code).toBe(0);
}, 120_000);

test('a planted import from src/protocol up to src/cli fails, naming the rule and both files', async () => {
  const copy = join(scratch, 'repo');
  for (const entry of ['src', 'tsconfig.json', '.dependency-cruiser.cjs', 'package.json']) cpSync(entry, join(copy, entry), { recursive: true });
  writeFileSync(join(copy, 'src/protocol/planted.ts'), "import { main } from '../cli/main.js';\nexport const planted = main;\n");
  const run = await cruise(copy);
  expect(run.code).not.toBe(0);
  expect(run.stdout).toMatch(/error layer-protocol: src\/protocol\/planted\.ts → src\/cli\/main\.ts/);
}, 120_000);
