/**
 * `oac probe` straight against the local Ollama stand-in (no proxy): the exposed-server case. The CLI
 * runs as a user runs it (its own process); the stand-in's request log proves nothing the probe sent
 * could have changed state; the report files validate; no secret given to the probe is in anything it
 * writes.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalOllama, type LocalOllama } from '../../src/local-ollama/index.js';
import { routeCatalogue } from '../../src/probe/catalogue.js';
import { scanFile } from '../../src/recorder/scan.js';
import { validate } from '../../src/specs/validate.js';
import { CLI } from '../helpers/cli.js';
import { runProcess, type ProcessRun } from '../helpers/process.js';

let ollama: LocalOllama;
let dir: string;

beforeAll(async () => {
  ollama = await createLocalOllama({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'oac-probe-test-'));
});
afterAll(async () => {
  await ollama.close();
  rmSync(dir, { recursive: true, force: true });
});

function probe(args: string[]): Promise<ProcessRun> {
  return runProcess(process.execPath, [CLI, 'probe', ollama.url, ...args], { timeoutMs: 60_000 });
}

describe('the exposed server: no proxy, no credentials', () => {
  let run: ProcessRun;
  let results: { scenarios: Array<{ id: string; verdicts: Array<{ check: string; verdict: string; message: string }> }>; client: unknown; summary: { ok: boolean } };
  beforeAll(async () => {
    ollama.clearRequests();
    run = await probe(['--report-dir', join(dir, 'exposed')]);
    results = JSON.parse(readFileSync(join(dir, 'exposed', 'results.json'), 'utf8'));
  }, 60_000);

  test('fails (exit 1)', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^probed http:\/\/127\.0\.0\.1:\d+\/: \d+ requests in \d+ ms\nreports: /) });
  });

  test('every protected route is listed as open, with the request that got through and a curl line', () => {
    for (const route of routeCatalogue().routes.filter((r) => !r.public)) {
      const result = results.scenarios.find((s) => s.id === route.id)!;
      const verdict = result.verdicts.find((v) => v.check === 'probe/access/no-credentials')!;
      expect({ route: route.id, verdict: verdict.verdict, message: verdict.message }).toEqual({
        route: route.id, verdict: 'fail', message: expect.stringContaining(`${route.probe.method} ${route.pattern} (no credentials`),
      });
      expect(run.stdout).toContain(`FAIL       ${route.id}  `);
      expect(run.stdout).toMatch(new RegExp(`curl -sS -i .*'?http://127\\.0\\.0\\.1:\\d+${route.probe.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'?\\n`));
    }
  });

  test('/ and /api/version are reported at SHOULD level (version disclosure)', () => {
    for (const id of ['root', 'api-version']) {
      expect(results.scenarios.find((s) => s.id === id)!.verdicts.map((v) => [v.check, v.verdict])).toEqual([['probe/disclosure/version', 'non-strict']]);
    }
  });

  test('the backend received every request, and none that could have changed state', () => {
    const log = ollama.requests();
    expect(log.length).toBeGreaterThan(300);
    expect(log.filter((r) => r.stateChanging)).toEqual([]);
  });

  test('results.json says it was a server probe and validates', () => {
    expect(results.client).toEqual({ mode: 'server', url: ollama.url.endsWith('/') ? ollama.url : `${ollama.url}/` });
    expect(validate('results', results)).toEqual({ ok: true, errors: [] });
    expect(readFileSync(join(dir, 'exposed', 'junit.xml'), 'utf8')).toMatch(/<testsuite name="api-tags"[^>]* failures="3"/);
    expect(readFileSync(join(dir, 'exposed', 'report.html'), 'utf8')).toContain('curl -sS -i');
  });
});

describe('secrets never leave the probe', () => {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const apiKey = `oacKey${randomBytes(16).toString('hex')}`;
  const headerSecret = `hdr-${randomBytes(12).toString('hex')}`;
  const forbidden = (): string[] => [
    password, apiKey, headerSecret, apiKey.toUpperCase(), apiKey.replace(/[a-z]/gi, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())),
    Buffer.from(`alice:${password}`).toString('base64'),
  ];

  test.each([
    ['Basic + a custom header', ['--basic', `alice:${password}`, '--header', `X-Oac-Token: ${headerSecret}`], "-u 'alice:<redacted>' -H 'X-Oac-Token: <redacted>'"],
    ['an API key', ['--api-key', apiKey], "-H 'Authorization: Bearer <redacted>'"],
  ])('%s: terminal, results.json, junit.xml, report.html and the recording hold none of them', async (name, args, curlCredentials) => {
    const out = join(dir, name.replace(/\W+/g, '-'));
    const run = await probe([...args, '--report-dir', out, '--record', join(out, 'probe.har')]);
    expect(run.code).toBe(1); // no proxy: the wrong credentials reach Ollama too
    const written = {
      stdout: run.stdout,
      stderr: run.stderr,
      ...Object.fromEntries(['results.json', 'junit.xml', 'report.html', 'probe.har'].map((f) => [f, readFileSync(join(out, f), 'utf8')])),
    };
    for (const [file, text] of Object.entries(written)) {
      for (const secret of forbidden()) expect({ file, leaked: text.includes(secret) }).toEqual({ file, leaked: false });
    }
    expect(scanFile(join(out, 'probe.har'), 'probe.har', { context: 'cassette' })).toEqual([]);
    // The reproduce lines still say which credentials to put back.
    expect(written.stdout).toContain(curlCredentials);
  }, 60_000);
});
