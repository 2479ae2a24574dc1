/**
 * `oac check` as a new user meets it: every mistake in the arguments is one line naming the flag (or
 * environment variable) and exit 2, found before any scenario runs; a client command that does not
 * exist is one harness-side error (exit 1), not 50 verdicts about a program that never ran.
 */
import { describe, expect, test, afterAll } from '@jest/globals';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { runProcess } from '../helpers/process.js';
import { CLI } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'oac-check-args-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh, empty TMPDIR for the CLI, so "nothing left behind" is exact. */
function freshTmp(): string {
  return mkdtempSync(join(scratch, 'tmp-'));
}

describe('oac check: usage errors are one line and exit 2', () => {
  const cases: [string, string[], NodeJS.ProcessEnv, string][] = [
    ['--report-dir naming a file', ['--report-dir', 'package.json'], {}, 'oac: --report-dir package.json is a file, not a folder (see oac --help)\n'],
    ['--report-dir under /proc', ['--report-dir', '/proc/oac-report'], {}, "oac: --report-dir /proc/oac-report cannot be written: ENOENT: no such file or directory, mkdir '/proc/oac-report' (see oac --help)\n"],
    ['--timeout beyond what a timer holds', ['--timeout', '99999999'], {}, 'oac: --timeout must be at most 2147483 seconds, got 99999999 (see oac --help)\n'],
    ['--timeout 0', ['--timeout', '0'], {}, 'oac: --timeout must be a whole number ≥ 1 seconds, got 0 (see oac --help)\n'],
    ['a repeated --client', ['--client', 'a', '--client', 'b'], {}, 'oac: --client was given 2 times ("a", "b"): give it once (see oac --help)\n'],
    ['a repeated --jobs', ['--jobs', '1', '--jobs', '2'], {}, 'oac: --jobs was given 2 times (1, 2): give it once (see oac --help)\n'],
    ['OAC_JOBS=0', [], { OAC_JOBS: '0' }, 'oac: OAC_JOBS must be a whole number ≥ 1, got "0" (see oac --help)\n'],
    ['OAC_TIMEOUT=abc', [], { OAC_TIMEOUT: 'abc' }, 'oac: OAC_TIMEOUT must be a whole number ≥ 1 seconds, got "abc" (see oac --help)\n'],
  ];
  test.each(cases)('%s', (_name, args, env, stderr) => {
    const tmp = freshTmp();
    const r = runCli(['check', ...args], { env: { ...process.env, ...env, TMPDIR: tmp } });
    expect(r.stderr).toBe(stderr);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('the flag beats the environment variable', () => {
    const r = runCli(['check', '--jobs', '1', '--list', '--scenario', 'registry/golden'], { env: { ...process.env, OAC_JOBS: '0' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^registry\/golden\t/);
  });

  test('a corrupt --baseline is a usage error naming the file and the JSON position', () => {
    const file = join(scratch, 'broken-baseline.json');
    writeFileSync(file, '{\n');
    const r = runCli(['check', '--baseline', file]);
    expect(r.stderr).toBe(`oac: --baseline ${file}: ${file}:2:1: invalid JSON: Expected property name or '}' in JSON at position 2 (see oac --help)\n`);
    expect(r.status).toBe(2);
  });

  test('a baseline of the wrong shape is a usage error too', () => {
    const file = join(scratch, 'wrong-baseline.json');
    writeFileSync(file, '{"expectedFailures": [{"scenario": 1}]}');
    const r = runCli(['check', '--baseline', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`oac: --baseline ${file}: ${file}: /expectedFailures/0: must have property "check" (and 2 more) (see oac --help)\n`);
  });
});

describe('oac check: a client that cannot start is one harness error before any scenario', () => {
  test('a command the shell cannot find', () => {
    const tmp = freshTmp();
    const r = runCli(['check', '--client', 'oac-no-such-client-xyz --flag'], { env: { ...process.env, TMPDIR: tmp } });
    expect(r.stderr).toBe('oac: client command not found: oac-no-such-client-xyz (the shell finds no such program on PATH; the command was: oac-no-such-client-xyz --flag)\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('a path that does not exist', () => {
    const r = runCli(['check', '--client', './no/such/client.sh']);
    expect(r.stderr).toBe('oac: client command not found: ./no/such/client.sh (ENOENT; the command was: ./no/such/client.sh)\n');
    expect(r.status).toBe(1);
  });

  test('a file that is not executable', () => {
    const file = join(scratch, 'client.sh');
    writeFileSync(file, '#!/bin/sh\nexit 3\n');
    chmodSync(file, 0o644);
    const r = runCli(['check', '--client', file]);
    expect(r.stderr).toBe(`oac: client command is not executable: ${file} (chmod +x it, or run it through its interpreter; the command was: ${file})\n`);
    expect(r.status).toBe(1);
  });

  test('"oac client" is found through the shim, and assignments before the program are skipped', () => {
    const r = runCli(['check', '--client', 'OAC_X=1 oac client', '--scenario', 'F-15', '--jobs', '1']);
    expect(r.stderr).not.toMatch(/not found/);
    expect(r.status).toBe(0);
  });
});

test('oac check --list piped into head ends quietly (no EPIPE trace)', async () => {
  const r = await runProcess('/bin/bash', ['-c', `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} check --list | head -1`]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
});

describe('nothing is left in $TMPDIR', () => {
  // TLS scenarios make CA and server keys; F-17 and F-17b make ssh-keygen keys; every scenario a HOME.
  const SCENARIOS = 'tls/custom-ca,tls/client-certificate,tls/untrusted-certificate,F-17,F-17b,registry/golden';

  test('after a whole oac check run', async () => {
    const tmp = freshTmp();
    const r = await runProcess(process.execPath, [CLI, 'check', '--scenario', SCENARIOS], { env: { ...process.env, TMPDIR: tmp }, timeoutMs: 90_000 });
    expect(r.stdout).toMatch(/6 scenarios/);
    expect(r.code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  test('after an oac check interrupted with Ctrl-C (SIGINT) in the middle of a run', async () => {
    const tmp = freshTmp();
    const { spawn } = await import('node:child_process');
    // A client that sleeps, so the interrupt surely lands while scenarios (and their HOMEs) are live.
    const client = join(scratch, 'slow-client.sh');
    writeFileSync(client, '#!/bin/sh\nsleep 30\n');
    chmodSync(client, 0o755);
    const child = spawn(process.execPath, [CLI, 'check', '--client', client, '--scenario', SCENARIOS, '--jobs', '2'], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Wait until the run has made its folder and at least one client HOME exists inside it.
    const started = Date.now();
    const homeExists = (): boolean => readdirSync(tmp).some((d) => readdirSync(join(tmp, d)).some((e) => e.startsWith('oac-home-')));
    while (!homeExists()) {
      if (Date.now() - started > 20_000) throw new Error(`no client HOME appeared in ${tmp}: ${JSON.stringify(readdirSync(tmp))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);
});
