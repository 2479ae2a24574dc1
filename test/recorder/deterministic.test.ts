/**
 * `npm run record:emulated` is deterministic: two runs give byte-identical cassettes, and the shipped
 * recordings/ are exactly what the code records today (so a diff of recordings/ only ever shows real
 * changes). The script itself runs against the built dist/, as `npm run record:emulated` does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { recordEmulatedSet, VARIANTS } from '../../src/recorder/index.js';
import { tempDir } from './support.js';

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out[relative(dir, join(d, e.name))] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('record:emulated', () => {
  test('two runs write byte-identical recordings, identical to the shipped recordings/', async () => {
    const a = tempDir('det-a');
    const b = tempDir('det-b');
    await recordEmulatedSet(a);
    await recordEmulatedSet(b);
    const first = filesUnder(a);
    const second = filesUnder(b);
    expect(Object.keys(first).sort()).toEqual(VARIANTS.map((v) => v.cassette).sort());
    expect(second).toEqual(first);
    const shipped = Object.fromEntries(Object.keys(first).map((f) => [f, readFileSync(join('recordings', f), 'utf8')]));
    // If this fails after an intended change: run `npm run record:emulated` and review the diff of recordings/.
    expect(shipped).toEqual(first);
  }, 120_000);

  test('the script (node scripts/record-emulated.mjs --check, on dist/) finds recordings/ up to date and lint-clean', () => {
    if (!existsSync('dist/recorder/index.js')) throw new Error('dist/recorder/index.js is missing: run "npm run build" first (npm test does)');
    const run = spawnSync(process.execPath, ['scripts/record-emulated.mjs', '--check'], { encoding: 'utf8', timeout: 110_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout.trim().split('\n')).toEqual(VARIANTS.map((v) => `up to date recordings/${v.cassette}`));
  }, 120_000);

  test('the script refuses an unknown argument with exit code 2', () => {
    const run = spawnSync(process.execPath, ['scripts/record-emulated.mjs', '--force'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: 'record:emulated: unknown argument --force (only --check)\n' });
  });
});

describe('scripts/record-live.sh', () => {
  test('is valid bash and refuses to run in CI (exit 2) before touching the network', () => {
    expect(spawnSync('bash', ['-n', 'scripts/record-live.sh'], { encoding: 'utf8' }).status).toBe(0);
    const run = spawnSync('bash', ['scripts/record-live.sh'], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 10_000 });
    expect({ status: run.status, stderr: run.stderr, stdout: run.stdout }).toEqual({
      status: 2, stderr: 'record-live: refusing to run in CI (CI=true): live recordings are made by a person, on purpose\n', stdout: '',
    });
  });
});
