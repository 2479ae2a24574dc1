/**
 * The product's main job, end to end, as a user runs it: `oac check` (the built CLI, its own process)
 * against each independent example client, with reports written. Every MUST must pass for each, the
 * results.json must validate, and junit.xml must read as JUnit with counts that match.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '../../src/specs/validate.js';
import { afterAll } from '@jest/globals';
import { CLI } from '../helpers/cli.js';
import { children, parseXml } from '../report/xml-oracle.js';

interface Run { status: number | null; stdout: string; stderr: string; dir: string }

// Each run's report folder is read by the tests, then removed when the file ends (npm test counts $TMPDIR).
const reportDirs: string[] = [];
afterAll(() => {
  for (const dir of reportDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function check(client: string, extra: string[] = []): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'oac-examples-'));
  reportDirs.push(dir);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'check', '--client', client, '--jobs', '2', '--report-dir', dir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, dir }));
  });
}

interface ResultsDoc {
  client: { command: string };
  scenarios: { id: string; verdicts: { check: string; level: string; verdict: string; message: string }[] }[];
  summary: { total: number; pass: number; fail: number; 'non-strict': number; skip: number; error: number; ok: boolean };
}

const CLIENTS: [string, string][] = [
  ['reference (oac client)', 'oac client'],
  ['Go (x/crypto/ssh)', 'examples/go/run.sh'],
  ['Python (cryptography)', '/usr/bin/python3 examples/python/client.py'],
  ['bash (curl + openssl)', 'examples/shell/client.sh'],
];

describe.each(CLIENTS)('oac check --client %s', (_name, client) => {
  let run: Run;
  let results: ResultsDoc;

  test('exits 0 and prints the verdict table', async () => {
    run = await check(client);
    expect(run.stderr).toContain('reports: ');
    expect(run.stdout).toMatch(/\d+ scenarios, \d+ checks: \d+ pass, 0 fail, 0 non-strict, \d+ skip, 0 error → OK/);
    expect(run.status).toBe(0);
  }, 120_000);

  test('passes every MUST check (and writes a results.json that validates)', () => {
    results = JSON.parse(readFileSync(join(run.dir, 'results.json'), 'utf8')) as ResultsDoc;
    expect(validate('results', results).errors).toEqual([]);
    const broken = results.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict === 'fail' || v.verdict === 'error').map((v) => `${s.id} ${v.check}: ${v.message}`));
    expect(broken).toEqual([]);
    expect(results.client.command).toBe(client);
    expect(results.summary.ok).toBe(true);
  });

  test('writes a junit.xml a JUnit reader accepts, with counts that match results.json', () => {
    const root = parseXml(readFileSync(join(run.dir, 'junit.xml'), 'utf8'));
    const suites = children(root, 'testsuite');
    expect(suites).toHaveLength(results.scenarios.length);
    const cases = suites.flatMap((s) => children(s, 'testcase'));
    expect(cases).toHaveLength(results.summary.total);
    expect(cases.filter((c) => children(c, 'failure').length > 0)).toHaveLength(results.summary.fail);
    expect(cases.filter((c) => children(c, 'skipped').length > 0)).toHaveLength(results.summary.skip);
  });
});

test('a wrong client fails the run with exit 1, and the report says what to rerun', async () => {
  const run = await check("sh -c 'echo \"{}\"'", ['--scenario', 'F-02']);
  expect(run.status).toBe(1);
  expect(run.stdout).toContain('the client exited 0 after a failed handshake: the failure did not surface');
  expect(run.stdout).toContain("oac check --client 'sh -c '\\''echo \"{}\"'\\''' --scenario 'F-02'");
}, 60_000);
