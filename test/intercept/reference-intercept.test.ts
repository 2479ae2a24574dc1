/**
 * The reference client (`oac client`), unmodified, through the intercept proxy: it reads HTTPS_PROXY as
 * Ollama's Go client does, so `oac check --intercept` can judge it and `oac record --intercept` can record
 * it, under the real host names. Everything listens on 127.0.0.1: the proxy routes only the public names
 * to loopback servers and refuses everything else without resolving it. Each run gets its own TMPDIR,
 * which must be empty afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ollamaKeyFiles, writeOllamaKeyFiles } from '../../src/keys/index.js';
import { lintCassette, loadServableCassette, scanFile, type Cassette } from '../../src/recorder/index.js';
import { CLI } from '../helpers/cli.js';
import { runProcess, type ProcessRun } from '../helpers/process.js';
import { startPublicStandIns, type PublicStandIns } from '../helpers/public-stand-ins.js';

const REGISTRY_URL = 'https://registry.ollama.ai/v2/library/llama3/manifests/latest';
const REFERENCE_CLIENT = `${process.execPath} ${CLI} client`;

const scratch = mkdtempSync(join(tmpdir(), 'oac-reference-intercept-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run extends ProcessRun {
  /** What was left in the run's own TMPDIR (must be nothing). */
  leftInTmp: string[];
}

/** The built CLI with a private TMPDIR; PATH and the given variables only (no proxy from the caller's shell). */
async function oac(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const runTmp = mkdtempSync(join(scratch, 'tmp-'));
  const run = await runProcess(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'], TMPDIR: runTmp, ...env }, timeoutMs: 90_000 });
  const leftInTmp = readdirSync(runTmp);
  rmSync(runTmp, { recursive: true, force: true });
  return { ...run, leftInTmp };
}

interface Results {
  scenarios: { id: string; verdicts: { verdict: string }[] }[];
}

describe('oac check --intercept judges the reference client under the real host names', () => {
  test.each([
    ['registry-manifest', 'registry/golden', REGISTRY_URL],
    ['cloud-tags', 'direct/golden-tags', 'https://ollama.com'],
    ['cloud-whoami', 'direct/golden-whoami', 'https://ollama.com'],
    ['apikey-tags', 'apikey/golden', 'https://ollama.com'],
  ])('%s passes %s', async (action, scenario, target) => {
    const reportDir = mkdtempSync(join(scratch, 'report-'));
    const run = await oac(['check', '--intercept', '--action', action, '--scenario', scenario, '--client', `${REFERENCE_CLIENT} ${action} ${target}`, '--report-dir', reportDir]);
    const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as Results;
    expect(results.scenarios.map((s) => [s.id, [...new Set(s.verdicts.map((v) => v.verdict))]])).toEqual([[scenario, ['pass']]]);
    expect(run.stderr).toBe(`reports: ${join(reportDir, 'results.json')}, ${join(reportDir, 'junit.xml')}, ${join(reportDir, 'report.html')}\n`);
    expect(run.code).toBe(0);
    expect(run.leftInTmp).toEqual([]);
  }, 120_000);
});

describe('oac record --intercept records the reference client', () => {
  let standIns: PublicStandIns;
  let caFile: string;
  let connectTo: string[];
  const home = join(scratch, 'home');
  const keyFiles = ollamaKeyFiles();

  beforeAll(async () => {
    mkdirSync(home);
    writeOllamaKeyFiles(home, keyFiles);
    standIns = await startPublicStandIns(scratch, { authorizedKeys: [keyFiles.key.publicKeyField] });
    ({ caFile, connectTo } = standIns);
  });
  afterAll(async () => {
    await standIns.stop();
  });

  test('registry-manifest: a servable cassette of challenge, token and retry under the real host names, no secret in it', async () => {
    const out = join(scratch, 'registry-reference.har');
    const command = [process.execPath, CLI, 'client', 'registry-manifest', REGISTRY_URL];
    const run = await oac(['record', '--intercept', '--flow', 'registry', ...connectTo, '--ca-file', caFile, '--out', out, '--', ...command], { HOME: home });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`wrote ${out} (3 entries: challenge, token, retry)\n  new cassette: 3 entries (challenge, token, retry)\n`);
    expect(run.code).toBe(0);
    const cassette = JSON.parse(readFileSync(out, 'utf8')) as Cassette;
    expect(cassette.log.entries.map((e) => [e._oac.role, e.response.status, `${e.request.method} ${e.request.url.replace(/\?.*$/, '')}`])).toEqual([
      ['challenge', 401, `GET ${REGISTRY_URL}`],
      ['token', 200, 'GET https://registry.ollama.ai/v2/token'],
      ['retry', 200, `GET ${REGISTRY_URL}`],
    ]);
    expect(cassette.log._oac).toMatchObject({ origin: 'local-stand-in', targetHosts: ['registry.ollama.ai'], flow: 'registry' });
    expect(lintCassette(out)).toEqual([]);
    expect(scanFile(out)).toEqual([]);
    const written = readFileSync(out, 'utf8');
    expect(written).not.toContain(keyFiles.key.publicKeyField);
    expect(written).not.toContain(keyFiles.privatePem.split('\n')[1]!);
    expect(loadServableCassette(out).cassette.log.entries).toHaveLength(3);
    expect(run.leftInTmp).toEqual([]);
  }, 90_000);
});
