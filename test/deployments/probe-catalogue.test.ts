/**
 * The probe against real servers, as a user runs it: every ready configuration of examples/proxies/
 * (nginx and Caddy, started from the files a user copies) must pass `oac probe`, and every deployment of
 * the zoo (examples/proxies/zoo/) must fail it on the checks its catalogue names, with the hole named in
 * the failure. Behind every proxy sits the local Ollama stand-in, whose request log proves the probe
 * changed nothing.
 *
 * The zoo is shown to be real without the probe by test/proxies/deployments.test.ts; this file is the
 * verdict of the probe itself.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalOllama } from '../../src/local-ollama/index.js';
import { CLI } from '../helpers/cli.js';
import { runProcess } from '../helpers/process.js';
import { makeTlsMaterial, startCaddy, startNginx, type TlsMaterial } from '../helpers/proxies.js';

interface Deployment {
  id: string;
  server: 'nginx' | 'caddy';
  config: string;
  credentials: 'basic' | 'api-key' | 'client-certificate';
  serverCertificate: 'valid' | 'expired' | 'wrong-host';
  probeArgs: string[];
  mustFail: string[];
  mayFail: string[];
  /** Checks the probe cannot decide on this deployment (it sends no secret to a server it cannot verify). */
  mayError?: string[];
  exitCode: number;
  holeRoute?: string;
}

function catalogue(dir: string): Deployment[] {
  return (JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8')) as { deployments: Deployment[] }).deployments.map((d) => ({ ...d, config: join(dir, d.config) }));
}

const READY = catalogue('examples/proxies');
const ZOO = catalogue('examples/proxies/zoo');

interface ResultsJson {
  scenarios: { id: string; verdicts: { check: string; verdict: string; message: string; actual?: string }[] }[];
}

let tls: TlsMaterial;
let ollama: Awaited<ReturnType<typeof createLocalOllama>>;
const scratch = mkdtempSync(join(tmpdir(), 'oac-probe-deployments-'));

beforeAll(async () => {
  [tls, ollama] = await Promise.all([makeTlsMaterial(), createLocalOllama({ port: 0 })]);
}, 60_000);

// How long each whole probe took (the CLI process, start to exit): kept for the speed figure of the
// README and the issue note, in .tmp/ beside jest's own results.
const durations: Record<string, number> = {};

afterAll(async () => {
  mkdirSync('.tmp', { recursive: true });
  writeFileSync('.tmp/probe-durations.json', `${JSON.stringify(durations, null, 2)}\n`);
  await ollama?.close();
  await tls?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

async function probe(d: Deployment): Promise<{ code: number | null; stdout: string; stderr: string; failed: Map<string, string[]>; errored: Set<string>; secrets: string[]; durationMs: number }> {
  const basic = { user: 'oac', password: randomBytes(12).toString('base64url') };
  const apiKey = `oac-probe-${randomBytes(16).toString('hex')}`;
  const options = { backend: ollama.url, tls, serverCertificate: d.serverCertificate, basic, apiKey, name: d.id };
  const config = readFileSync(d.config, 'utf8');
  const proxy = d.server === 'nginx' ? await startNginx(config, options) : await startCaddy(config, options);
  const reportDir = mkdtempSync(join(scratch, `${d.id}-`));
  const fill: Record<string, string> = {
    '{basic}': `${basic.user}:${basic.password}`,
    '{apiKey}': apiKey,
    '{caCert}': tls.caCert,
    '{clientCert}': tls.clientCert,
    '{clientKey}': tls.clientKey,
  };
  const args = d.probeArgs.map((a) => fill[a] ?? a);
  ollama.clearRequests();
  const started = Date.now();
  try {
    const run = await runProcess(process.execPath, [CLI, 'probe', proxy.url, ...args, '--report-dir', reportDir], { timeoutMs: 60_000 });
    const durationMs = Date.now() - started;
    durations[d.id] = durationMs;
    const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as ResultsJson;
    const failed = new Map<string, string[]>();
    const errored = new Set<string>();
    for (const s of results.scenarios) {
      for (const v of s.verdicts) {
        // A SHOULD broken is `non-strict`: for the catalogue that is a failure of that check all the same.
        if (v.verdict === 'fail' || v.verdict === 'non-strict') failed.set(v.check, [...(failed.get(v.check) ?? []), `${s.id}: ${v.message} ${v.actual ?? ''}`]);
        if (v.verdict === 'error') errored.add(v.check);
      }
    }
    // Everything the probe wrote, for the redaction scan.
    const written = ['results.json', 'junit.xml', 'report.html'].map((f) => readFileSync(join(reportDir, f), 'utf8')).join('\n') + run.stdout + run.stderr;
    const leaked = [basic.password, apiKey, Buffer.from(`${basic.user}:${basic.password}`).toString('base64')].filter((s) => written.includes(s));
    return { code: run.code, stdout: run.stdout, stderr: run.stderr, failed, errored, secrets: leaked, durationMs };
  } finally {
    await proxy.stop();
  }
}

function expectNothingChanged(): void {
  const acting = ollama.requests().filter((r) => r.stateChanging);
  expect(acting.map((r) => `${r.method} ${r.target}: ${r.reason}`)).toEqual([]);
}

describe('ready configurations pass oac probe', () => {
  test.each(READY.map((d) => [d.id, d] as const))('%s', async (_id, d) => {
    const r = await probe(d);
    expect({ failed: [...r.failed.keys()], errored: [...r.errored], code: r.code }).toEqual({ failed: [], errored: [], code: 0 });
    expect(r.secrets).toEqual([]);
    expectNothingChanged();
  }, 90_000);
});

describe('every misconfigured deployment of the zoo fails oac probe, with its hole named', () => {
  test.each(ZOO.map((d) => [d.id, d] as const))('%s', async (_id, d) => {
    const r = await probe(d);
    const failed = [...r.failed.keys()].sort();
    expect({
      missing: d.mustFail.filter((c) => !r.failed.has(c)),
      unexpected: failed.filter((c) => !d.mustFail.includes(c) && !d.mayFail.includes(c)),
      unexpectedErrors: [...r.errored].filter((c) => !(d.mayError ?? []).includes(c)),
    }).toEqual({ missing: [], unexpected: [], unexpectedErrors: [] });
    expect(r.code).toBe(d.exitCode);
    if (d.holeRoute !== undefined) {
      const named = d.mustFail.flatMap((c) => r.failed.get(c) ?? []);
      expect(named.some((m) => m.includes(d.holeRoute!))).toBe(true);
    }
    expect(r.secrets).toEqual([]);
    expectNothingChanged();
  }, 90_000);
});
