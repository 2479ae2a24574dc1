/**
 * Ollama's own Go client as a client under test (examples/ollama-profile/profile.py, built on the mutant
 * framework): where it stands check by check is its expected-failures baseline, and that baseline must be
 * exactly right. With it `oac check` exits 0 with no unexpected pass; without it the run fails on exactly
 * the baseline's (scenario, check) pairs, so the baseline can neither hide a new failure nor keep a stale
 * one. The wire behaviour docs/protocol.md records for Ollama (two token requests on a second 401, a retry with
 * no Authorization after an empty token, Go's error texts, the legacy parser's panic) is read back from the
 * exchanges of results.json, and, where the harness cannot show it, from servers of this file, verified
 * with node:crypto.
 *
 * The built CLI and the profile run as separate processes, always spawned asynchronously (the servers
 * that answer the profile live in this process).
 */
import { runProcess } from '../helpers/process.js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { verify as nodeVerifyAny } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOllamaKey, TEST_SEED } from '../../src/keys/index.js';
import { makeRsaHome } from '../helpers/rsa-key.js';
import { validate } from '../../src/specs/validate.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { CLI } from '../helpers/cli.js';
import { startDualServer } from '../mutants/support.js';
import { makeTestPki, type TestPki } from '../reference/helpers/pki.js';
import { json, startServer, type Recorded, type Reply, type TestServer } from '../reference/helpers/server.js';
import { SCRIPTED_MANIFEST, SCRIPTED_PATH } from './helpers/servers.js';
import { EMPTY_BODY_HASH, expectFreshTs, expectSigned, identityFromPubFile, type PublicIdentity } from './helpers/verify.js';

const PYTHON = '/usr/bin/python3';
const PROFILE = 'examples/ollama-profile/profile.py';
const CLIENT = `${PYTHON} ${PROFILE}`;
const BASELINE = 'examples/ollama-profile/expected-failures.json';
const GENERIC = 'something went wrong, please see the ollama server logs for details';
const UNAUTHORIZED = 'Error: pull model manifest: unauthorized: access denied\n';
const SCOPE = 'repository:library/llama3:pull';

interface Verdict { check: string; verdict: string; level?: string; message: string; expectedFailure?: boolean }
interface Exchange {
  request: { method: string; url: string; headers: Record<string, string> };
  response: { status: number };
  listener?: string;
}
interface ScenarioResult { id: string; action: string; exitCode: number | null; stdout: string; stderr: string; verdicts: Verdict[]; exchanges: Exchange[] }
interface ResultsDoc { scenarios: ScenarioResult[]; unexpectedPasses?: { scenario: string; check: string }[]; summary: { ok: boolean; error: number } }
interface BaselineDoc { expectedFailures: { scenario: string; check: string; reason: string }[] }
interface CheckRun { status: number | null; stdout: string; stderr: string; results: ResultsDoc }

function runCheck(extra: string[]): Promise<CheckRun> {
  const dir = mkdtempSync(join(tmpdir(), 'oac-ollama-profile-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'check', '--client', CLIENT, '--jobs', '3', '--report-dir', dir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      try {
        const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsDoc;
        resolve({ status, stdout, stderr, results });
      } catch (err) {
        reject(new Error(`no results.json after oac check (exit ${status}): ${stderr.slice(-2000)}`, { cause: err }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The profile alone, with exactly `env` (plus PATH), as the harness would run it. */
function runProfile(args: string[], env: Record<string, string>): Promise<Run> {
  return runProcess(PYTHON, [PROFILE, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env } });
}

const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as BaselineDoc;
const pairKey = (scenario: string, check: string): string => `${scenario} ${check}`;
const baselinePairs = baseline.expectedFailures.map((e) => pairKey(e.scenario, e.check)).sort();

let withBaseline: CheckRun;
let without: CheckRun;

beforeAll(async () => {
  [withBaseline, without] = await Promise.all([runCheck(['--baseline', BASELINE]), runCheck([])]);
}, 240_000);

function scenario(id: string): ScenarioResult {
  const found = without.results.scenarios.find((s) => s.id === id);
  if (!found) throw new Error(`scenario ${id} is not in results.json`);
  return found;
}

/** "<METHOD> <path> <status> <listener>" and the redacted Authorization of each request the scenario's server saw. */
function wire(id: string): { line: string; authorization: string | undefined }[] {
  return scenario(id).exchanges.map((e) => ({
    line: `${e.request.method} ${e.request.url.split('?')[0]} ${e.response.status} ${e.listener ?? ''}`,
    authorization: e.request.headers['authorization'],
  }));
}

const RAW_PAIR = '<68 chars>:<88 chars>';

/** The ids of the scenarios that drive `action`, from specs/scenarios/ (sorted). */
function scenarioIdsOf(action: string): string[] {
  return loadScenarios().filter((s) => s.action === action).map((s) => s.id).sort();
}
const RESOURCE = `GET ${SCRIPTED_PATH}`;

describe('the expected-failures baseline is exactly where Ollama fails', () => {
  test('the baseline file validates, has no duplicate and every reason cites docs/protocol.md or Ollama\'s source', () => {
    expect(validate('baseline', baseline).errors).toEqual([]);
    expect(new Set(baselinePairs).size).toBe(baselinePairs.length);
    for (const e of baseline.expectedFailures) expect({ entry: pairKey(e.scenario, e.check), cites: /docs\/protocol\.md|@fb30760/.test(e.reason) }).toEqual({ entry: pairKey(e.scenario, e.check), cites: true });
  });

  test('with the baseline: exit 0, every entry reported as an expected failure, no unexpected pass', () => {
    expect(validate('results', withBaseline.results).errors).toEqual([]);
    expect(withBaseline.stdout).toContain(`(${baseline.expectedFailures.length} expected failures from the baseline) → OK`);
    expect(withBaseline.status).toBe(0);
    for (const e of baseline.expectedFailures) {
      const v = withBaseline.results.scenarios.find((s) => s.id === e.scenario)?.verdicts.find((x) => x.check === e.check);
      expect({ entry: pairKey(e.scenario, e.check), verdict: v?.verdict, expectedFailure: v?.expectedFailure })
        .toEqual({ entry: pairKey(e.scenario, e.check), verdict: expect.stringMatching(/^(fail|non-strict)$/), expectedFailure: true });
    }
    expect(withBaseline.results.unexpectedPasses ?? []).toEqual([]);
    const unlisted = withBaseline.results.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict !== 'pass' && v.verdict !== 'skip' && !v.expectedFailure).map((v) => pairKey(s.id, v.check)));
    expect(unlisted).toEqual([]);
    expect(withBaseline.results.summary.ok).toBe(true);
  });

  test('without the baseline: exit 1, and the failing (scenario, check) pairs are exactly the baseline\'s', () => {
    expect(without.status).toBe(1);
    const failing = without.results.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict === 'fail' || v.verdict === 'non-strict').map((v) => pairKey(s.id, v.check))).sort();
    expect(failing).toEqual(baselinePairs);
    expect(without.results.summary.error).toBe(0);
  });

  test('apikey-tags: exit 3 "unsupported action", every check a skip, nothing sent', () => {
    const unsupported = without.results.scenarios.filter((s) => s.action === 'apikey-tags');
    expect(unsupported.map((s) => s.id).sort()).toEqual(scenarioIdsOf('apikey-tags'));
    for (const s of unsupported) {
      expect({ id: s.id, exit: s.exitCode, stderr: s.stderr, exchanges: s.exchanges.length, verdicts: [...new Set(s.verdicts.map((v) => v.verdict))] })
        .toEqual({ id: s.id, exit: 3, stderr: "unsupported action apikey-tags: Ollama's Go client has no API-key support\n", exchanges: 0, verdicts: ['skip'] });
    }
  });

  test('basic-tags: the api.Client sends the URL\'s userinfo as Basic (Go net/http), never to a redirect target; a 401 is the generic text', () => {
    expect(scenario('basic/golden').exitCode).toBe(0);
    expect(wire('basic/golden')).toEqual([{ line: 'GET /api/tags 200 main', authorization: expect.stringMatching(/^Basic <\d+ chars>$/) }]);
    expect(wire('basic/redirect-other-host')).toEqual([
      { line: 'GET /api/tags 302 main', authorization: expect.stringMatching(/^Basic </) },
      { line: 'GET /api/tags 401 other', authorization: undefined },
    ]);
    expect(scenario('basic/wrong-credentials').stderr).toBe(`Error: ${GENERIC}\n`);
  });
});

describe('Ollama\'s wire behaviour, read from the exchanges of results.json', () => {
  test('registry/golden: GET → 401 → signed GET of the token URL (keys sorted) → Bearer retry; the manifest printed', () => {
    const s = scenario('registry/golden');
    expect(s.exitCode).toBe(0);
    expect(wire('registry/golden')).toEqual([
      { line: `${RESOURCE} 401 main`, authorization: undefined },
      { line: 'GET /v2/token 200 main', authorization: RAW_PAIR },
      { line: `${RESOURCE} 200 main`, authorization: expect.stringMatching(/^Bearer </) },
    ]);
    expect(s.exchanges[1]!.request.url).toMatch(/^\/v2\/token\?nonce=[A-Za-z0-9_-]{22}&scope=repository%3Alibrary%2Fllama3%3Apull&service=127\.0\.0\.1%3A\d+&ts=\d+$/);
  });

  test('F-13 and F-22: a second 401 fetches a SECOND token, then `unauthorized: access denied` (2 resource, 2 token requests)', () => {
    for (const id of ['F-13', 'F-22']) {
      const s = scenario(id);
      expect({ id, exit: s.exitCode, stderr: s.stderr }).toEqual({ id, exit: 1, stderr: UNAUTHORIZED });
      expect(wire(id)).toEqual([
        { line: `${RESOURCE} 401 main`, authorization: undefined },
        { line: 'GET /v2/token 200 main', authorization: RAW_PAIR },
        { line: `${RESOURCE} 401 main`, authorization: expect.stringMatching(/^Bearer </) },
        { line: 'GET /v2/token 200 main', authorization: RAW_PAIR },
      ]);
      const nonces = s.exchanges.filter((e) => e.request.url.startsWith('/v2/token')).map((e) => /nonce=([^&]+)/.exec(e.request.url)![1]);
      expect(new Set(nonces).size).toBe(2);
    }
  });

  test.each(['F-11', 'F-11b', 'F-11c'])('%s: a token response without a usable `token` → the retry goes out with NO Authorization at all', (id) => {
    const s = scenario(id);
    expect({ exit: s.exitCode, stderr: s.stderr }).toEqual({ exit: 1, stderr: UNAUTHORIZED });
    expect(wire(id)).toEqual([
      { line: `${RESOURCE} 401 main`, authorization: undefined },
      { line: 'GET /v2/token 200 main', authorization: RAW_PAIR },
      { line: `${RESOURCE} 401 main`, authorization: undefined },
      { line: 'GET /v2/token 200 main', authorization: RAW_PAIR },
    ]);
  });

  test('F-05: `…,realm=` makes the legacy parser panic as Go does (trace on stderr, exit 2), before any token request', () => {
    const s = scenario('F-05');
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/^panic: runtime error: slice bounds out of range \[:\d+\] with length \d+\n\ngoroutine 1 \[running\]:\ngithub\.com\/ollama\/ollama\/server\.getValue\(\.\.\.\)\n\tgithub\.com\/ollama\/ollama\/server\/images\.go:1434\n/);
    expect(wire('F-05')).toEqual([{ line: `${RESOURCE} 401 main`, authorization: undefined }]);
  });

  test('F-06: an unquoted realm loses its first byte (`ttp://…`), keeps the host, and net/http refuses the scheme', () => {
    const s = scenario('F-06');
    expect(s.stderr).toMatch(/^Error: pull model manifest: Get "ttp:\/\/127\.0\.0\.1:(\d+)\/v2\/token,service=127\.0\.0\.1:\1,scope=repository:library\/llama3:pull\?nonce=[A-Za-z0-9_-]{22}&scope=epository%3Alibrary%2Fllama3%3Apull&service=27\.0\.0\.1%3A\1%2Cscope%3Drepository%3Alibrary%2Fllama3%3Apull&ts=\d+": unsupported protocol scheme "ttp"\n$/);
    expect(wire('F-06')).toEqual([{ line: `${RESOURCE} 401 main`, authorization: undefined }]);
  });

  test('F-01, F-02, F-03, F-07: Ollama\'s realm-host error (Go %q quoting), no token request', () => {
    const expected: Record<string, RegExp> = {
      'F-01': /^Error: pull model manifest: realm host "" does not match original host "127\.0\.0\.1:\d+"\n$/,
      'F-02': /^Error: pull model manifest: realm host "localhost:\d+" does not match original host "127\.0\.0\.1:\d+"\n$/,
      'F-03': /^Error: pull model manifest: realm host "localhost:(\d+)" does not match original host "127\.0\.0\.1:\1"\n$/,
      'F-07': /^Error: pull model manifest: realm host "" does not match original host "127\.0\.0\.1:\d+"\n$/,
    };
    for (const [id, re] of Object.entries(expected)) {
      expect({ id, exit: scenario(id).exitCode, stderr: re.test(scenario(id).stderr) ? 'ok' : scenario(id).stderr }).toEqual({ id, exit: 1, stderr: 'ok' });
      expect(wire(id)).toEqual([{ line: `${RESOURCE} 401 main`, authorization: undefined }]);
    }
  });

  test('F-04: the http:// realm on the https registry is accepted and the pull succeeds (the scheme is never compared)', () => {
    const s = scenario('F-04');
    expect({ exit: s.exitCode, stderr: s.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(wire('F-04').map((w) => w.line)).toEqual([`${RESOURCE} 401 main`, 'GET /v2/token 200 main', `${RESOURCE} 200 main`]);
  });

  test('token endpoint and resource errors in Go\'s words, wrapped `pull model manifest: …`', () => {
    expect(scenario('F-08').stderr).toBe('Error: pull model manifest: 401\n');
    expect(scenario('F-09').stderr).toMatch(/^Error: pull model manifest: 403: \{"errors":\[.*"DENIED".*\]\}\n$/);
    expect(scenario('F-10').stderr).toBe('Error: pull model manifest: invalid character \'<\' looking for beginning of value\n');
    expect(scenario('F-14').stderr).toBe('Error: pull model manifest: file does not exist\n');
    expect(wire('F-14')).toEqual([{ line: `${RESOURCE} 404 main`, authorization: undefined }]);
  });

  test('keys: x/crypto/ssh\'s and os.ReadFile\'s errors; the registry flow reads the key only after the first 401', () => {
    expect(scenario('F-15').stderr).toMatch(/^Error: open \/\S+\/\.ollama\/id_ed25519: no such file or directory\n$/);
    expect(scenario('F-15').exchanges).toEqual([]);
    expect(scenario('F-15b').stderr).toMatch(/^Error: pull model manifest: open \/\S+\/\.ollama\/id_ed25519: no such file or directory\n$/);
    expect(wire('F-15b')).toEqual([{ line: `${RESOURCE} 401 main`, authorization: undefined }]);
    expect(scenario('F-16').stderr).toBe('Error: ssh: no key found\n');
    expect(scenario('F-16b').stderr).toBe('Error: pull model manifest: ssh: no key found\n');
    expect(scenario('F-17').stderr).toBe('Error: ssh: this private key is passphrase protected\n');
    for (const id of ['F-16', 'F-17']) expect(scenario(id).exchanges).toEqual([]);
    // An RSA key is not refused: auth.Sign signs with it (ssh-rsa blob of a 2048-bit key, 256-byte signature).
    expect(wire('F-17b')).toEqual([{ line: 'GET /api/tags 401 main', authorization: '<372 chars>:<344 chars>' }]);
  });

  test('api.Client (`do`): every 401 and an empty-bodied 500 read as the generic text, exit 1', () => {
    for (const id of ['F-17b', 'F-18', 'F-19', 'F-20', 'F-20b', 'F-21', 'direct/unregistered-key']) {
      expect({ id, exit: scenario(id).exitCode, stderr: scenario(id).stderr }).toEqual({ id, exit: 1, stderr: `Error: ${GENERIC}\n` });
    }
  });
});

describe('the profile against servers of this test (what the harness cannot show), verified with node:crypto', () => {
  let work: string;
  let home: string;
  let identity: PublicIdentity;
  let pki: TestPki;
  let caFile: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'oac-ollama-profile-'));
    home = join(work, 'home');
    generateOllamaKey({ home, seed: TEST_SEED });
    identity = identityFromPubFile(join(home, '.ollama', 'id_ed25519.pub'));
    pki = makeTestPki();
    caFile = join(work, 'ca.pem');
    writeFileSync(caFile, pki.caCert);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function withServer(handler: (req: Recorded) => Reply, body: (server: TestServer) => Promise<void>): Promise<void> {
    const server = await startServer(handler);
    try {
      await body(server);
    } finally {
      await server.close();
    }
  }

  test.each([
    ['unset', undefined, false],
    ['"false"', 'false', false],
    ['"0"', '0', false],
    ['"1"', '1', true],
    ['"TRUE"', 'TRUE', true],
    ['" \'yes\' " (ParseBool rejects it: true)', " 'yes' ", true],
  ])('cloud-tags with OLLAMA_AUTH %s: signs only when envconfig.UseAuth() is true', async (_label, value, signs) => {
    await withServer(() => json(200, { models: [] }), async (server) => {
      const before = Date.now();
      const r = await runProfile(['cloud-tags', server.origin], { HOME: home, ...(value === undefined ? {} : { OLLAMA_AUTH: value }) });
      const after = Date.now();
      expect(r).toEqual({ code: 0, signal: null, stdout: '{"models":[]}', stderr: '' });
      expect(server.requests).toHaveLength(1);
      const req = server.requests[0]!;
      if (!signs) {
        expect({ target: req.target, authorization: req.headers.authorization }).toEqual({ target: '/api/tags', authorization: undefined });
        return;
      }
      const m = /^\/api\/tags\?ts=(\d+)$/.exec(req.target);
      expect(m).not.toBeNull();
      expectFreshTs(m![1], before, after);
      expectSigned(req.headers.authorization, identity, `GET,/api/tags?ts=${m![1]}`);
    });
  }, 60_000);

  test('F-04 by hand: the token request goes over plain http, signed over the http:// URL it was sent to; the pull succeeds', async () => {
    let issued = '';
    const server = await startDualServer({ key: pki.serverKey, cert: pki.serverCert }, (req) => {
      if (req.target.startsWith('/v2/token')) {
        issued = 'opaque-token-for-the-test';
        return json(200, { token: issued });
      }
      if (req.scheme === 'https' && issued !== '' && req.headers.authorization === `Bearer ${issued}`) {
        return { status: 200, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: SCRIPTED_MANIFEST };
      }
      return { status: 401, headers: { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${server.port}/v2/token",service="registry.test",scope="${SCOPE}"` }, body: '' };
    });
    try {
      const r = await runProfile(['registry-manifest', `${server.httpsOrigin}${SCRIPTED_PATH}`], { HOME: home, SSL_CERT_FILE: caFile });
      expect(r).toEqual({ code: 0, signal: null, stdout: SCRIPTED_MANIFEST, stderr: '' });
      expect(server.requests.map((q) => `${q.scheme} ${q.target.split('?')[0]}`)).toEqual([`https ${SCRIPTED_PATH}`, 'http /v2/token', `https ${SCRIPTED_PATH}`]);
      const token = server.requests[1]!;
      expectSigned(token.headers.authorization, identity, `GET,${server.httpOrigin}${token.target},${EMPTY_BODY_HASH}`);
    } finally {
      await server.close();
    }
  }, 60_000);

  test('a token endpoint redirecting to the same host name on another port keeps Authorization (net/http); another host name drops it', async () => {
    const target = await startServer(() => json(200, { token: 'from-the-other-port' }));
    try {
      for (const [name, keeps] of [['127.0.0.1', true], ['localhost', false]] as const) {
        const from = target.requests.length;
        let issuedTo = '';
        await withServer((req): Reply => {
          if (req.target.startsWith('/v2/token')) return { status: 302, headers: { Location: `http://${name}:${target.port}${req.target}` }, body: '' };
          if (req.headers.authorization === 'Bearer from-the-other-port') {
            issuedTo = 'ok';
            return { status: 200, headers: { 'Content-Type': 'application/json' }, body: SCRIPTED_MANIFEST };
          }
          return { status: 401, headers: { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/v2/token",service="s",scope="${SCOPE}"` }, body: '' };
        }, async (registry) => {
          const r = await runProfile(['registry-manifest', `${registry.origin}${SCRIPTED_PATH}`], { HOME: home });
          expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: '' });
          const redirected = target.requests.slice(from);
          expect(redirected).toHaveLength(1);
          const sent = redirected[0]!;
          if (keeps) expectSigned(sent.headers.authorization, identity, `GET,${registry.origin}${sent.target},${EMPTY_BODY_HASH}`);
          else expect(sent.headers.authorization).toBeUndefined();
          expect(issuedTo).toBe('ok');
        });
      }
    } finally {
      await target.close();
    }
  }, 60_000);

  test('an RSA key signs as auth.Sign does: A = the ssh-rsa blob, B = PKCS#1 v1.5 over SHA-1 (node:crypto verifies it)', async () => {
    const { home: rsaHome, field, publicKey } = makeRsaHome(join(work, 'rsa-home'));
    await withServer(() => json(200, { models: [] }), async (server) => {
      const r = await runProfile(['cloud-tags', server.origin], { HOME: rsaHome, OLLAMA_AUTH: '1' });
      expect(r).toEqual({ code: 0, signal: null, stdout: '{"models":[]}', stderr: '' });
      const req = server.requests[0]!;
      const [a, b] = (req.headers.authorization ?? '').split(':');
      expect(a).toBe(field);
      const signature = Buffer.from(b!, 'base64');
      expect(signature.length).toBe(256);
      expect(nodeVerifyAny('sha1', Buffer.from(`GET,${req.target}`), publicKey, signature)).toBe(true);
    });
  }, 60_000);

  test('--changed: the profile replaces the flow, parser, key, HTTP and error functions; the token URL and nonce stay the correct client\'s', async () => {
    const r = await runProfile(['--changed'], { HOME: home });
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n');
    for (const name of ['registry_manifest', 'parse_bearer_challenge', 'parse_token_response', 'resource_result', 'direct', 'api_error', 'SigningKey', 'send', '_send_once', 'main']) expect(names).toContain(name);
    for (const name of ['go_encode', 'go_parse_query', 'new_nonce', 'empty_body_hash', 'join_path', 'GoURL']) expect(names).not.toContain(name);
  });
});
