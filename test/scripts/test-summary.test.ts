/**
 * The one line CI reads: a suite that failed to run counts as failed, and so does anything the tests
 * left in $TMPDIR, and a run that never reached the teardown.
 */
import { afterAll, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'oac-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(results: object, leftovers?: string[]): [string, string] {
  const r = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
  const l = join(dir, `l-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(r, JSON.stringify(results));
  if (leftovers) writeFileSync(l, JSON.stringify({ tmpdir: '/tmp', leftovers }));
  return [r, l];
}

const summary = (r: string, l: string) => runProcess(process.execPath, ['scripts/test-summary.mjs', r, l]);

test('suites that failed to run count as failures', async () => {
  const run = await summary(...files({ numPassedTests: 602, numFailedTests: 0, numRuntimeErrorTestSuites: 19, success: false }, []));
  expect(run.stdout).toBe('tests: 602 passed, 19 failed\n');
  expect(run.code).toBe(1);
});

test('a clean run', async () => {
  const run = await summary(...files({ numPassedTests: 10, numFailedTests: 0, numRuntimeErrorTestSuites: 0, success: true }, []));
  expect(run.stdout).toBe('tests: 10 passed, 0 failed\n');
  expect(run.code).toBe(0);
});

test('leftovers in $TMPDIR are a failure, named', async () => {
  const run = await summary(...files({ numPassedTests: 10, numFailedTests: 0, numRuntimeErrorTestSuites: 0, success: true }, ['oac-home-abc', 'x']));
  expect(run.stdout).toBe('tests: 10 passed, 1 failed\n');
  expect(run.stderr).toBe('test-summary: the tests left 2 entries in /tmp: oac-home-abc, x\n');
  expect(run.code).toBe(1);
});

test('no $TMPDIR comparison (the teardown never ran) is a failure', async () => {
  const [r] = files({ numPassedTests: 10, numFailedTests: 0, numRuntimeErrorTestSuites: 0, success: true });
  const run = await summary(r, join(dir, 'missing.json'));
  expect(run.stdout).toBe('tests: 10 passed, 1 failed\n');
  expect(run.stderr).toMatch(/^test-summary: no \$TMPDIR comparison at .*missing\.json \(ENOENT.*\): jest's global teardown did not run\n$/);
  expect(run.code).toBe(1);
});

test('no jest results at all is a failure, never "0 failed"', async () => {
  const run = await summary(join(dir, 'none.json'), join(dir, 'none2.json'));
  expect(run.stdout).toBe('tests: 0 passed, 1 failed\n');
  expect(run.code).toBe(1);
});
