/**
 * examples/ollama-js/client.mjs wraps the real third-party `ollama` npm client (0.6.4, an exact
 * devDependency). These tests pin what that library does, so a change in its behaviour shows up here:
 *
 * - through `oac check` (the built CLI, as a user runs it): the exact verdicts of every scenario whose
 *   action the adapter supports, and `skip` (never `fail`) for the actions it does not;
 * - on the wire, against a plain test server independent of the harness: the header the README's
 *   documented usage sends, and that userinfo in the host never becomes Basic credentials;
 * - in-process, with a spy `fetch` (an option the library documents): ollama-js adds OLLAMA_API_KEY by
 *   itself only for https://ollama.com, which is why the adapter passes the header the README shows.
 *
 * Everything is spawned asynchronously: the servers the clients talk to live in this process.
 */
import { runProcess } from '../helpers/process.js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import { validate } from '../../src/specs/validate.js';
import { startServer, type TestServer } from '../reference/helpers/server.js';

const CLI = path.resolve('dist/cli/main.js');
const ADAPTER = path.resolve('examples/ollama-js/client.mjs');
const CLIENT = 'node examples/ollama-js/client.mjs';
const UNSUPPORTED_REASON = 'the ollama npm client has no Ed25519 signing / registry flow';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return runProcess(command, args, { env, timeoutMs });
}

interface ResultsDoc {
  summary: Record<string, number | boolean>;
  scenarios: { id: string; flow: string; action: string; exitCode: number | null; stderr?: string; verdicts: { check: string; verdict: string }[] }[];
}

/** The verdicts observed with ollama 0.6.4 on Node 20 (undici fetch), per scenario and check. */
const OBSERVED: Record<string, Record<string, string>> = {
  // The README's header is "Bearer " + OLLAMA_API_KEY, so an empty key goes out as a bare "Bearer".
  'apikey/empty': { 'apikey/no-empty-bearer': 'fail', 'errors/surfaced': 'pass' },
  'apikey/golden': { 'apikey/bearer': 'pass', 'errors/surfaced': 'pass' },
  // Node's fetch drops Authorization on a cross-origin redirect (the other host gets no key).
  'apikey/redirect-other-host': { 'apikey/origin-scoped': 'pass',
    'errors/surfaced': 'pass', 'apikey/bearer': 'pass' },
  // ResponseError carries status_code 401, which the adapter prints with the library's message.
  'apikey/revoked': { 'errors/surfaced': 'pass', 'apikey/bearer': 'pass' },
  // Userinfo stays in the host string and fetch refuses such a URL: no request at all.
  'basic/golden': { 'basic/credentials': 'fail', 'basic/userinfo': 'fail', 'errors/surfaced': 'fail' },
  // Passes without sending anything: no request, so nothing can cross hosts.
  'basic/redirect-other-host': { 'basic/no-cross-host': 'pass' },
  // Fails before reaching the proxy, so the error cannot mention the 401 it would have answered.
  'basic/wrong-credentials': { 'errors/surfaced': 'fail', 'basic/credentials': 'pass' },
  // No way to hand a client certificate to the library's fetch without writing a custom one.
  'tls/client-certificate': { 'tls/client-cert': 'non-strict' },
  // NODE_EXTRA_CA_CERTS (set by the harness) is honoured by Node's fetch.
  'tls/custom-ca': { 'tls/custom-ca': 'pass', 'apikey/bearer': 'pass' },
  'tls/old-version': { 'tls/min-version': 'pass', 'errors/surfaced': 'pass' },
  // Node's fetch drops Authorization on the https→http redirect: the key never travels in clear text.
  'tls/redirect-downgrade': { 'apikey/bearer': 'pass', 'errors/surfaced': 'pass', 'tls/no-downgrade': 'pass' },
  'tls/untrusted-certificate': { 'tls/custom-ca': 'pass', 'errors/surfaced': 'pass' },
};

// The adapter implements the two actions ollama-js can perform; the TLS scenarios of the other actions skip.
const SUPPORTED_ACTIONS = new Set(['apikey-tags', 'basic-tags']);

let work: string;
let check: Run;
let results: ResultsDoc;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  work = mkdtempSync(path.join(tmpdir(), 'oac-ollama-js-'));
  check = await run(process.execPath, [CLI, 'check', '--client', CLIENT, '--report-dir', work, '--jobs', '4'], process.env, 170_000);
  const file = path.join(work, 'results.json');
  if (!existsSync(file)) throw new Error(`oac check wrote no results.json (exit ${check.code}): ${check.stderr.slice(-500)}`);
  results = JSON.parse(readFileSync(file, 'utf8')) as ResultsDoc;
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('oac check --client "node examples/ollama-js/client.mjs"', () => {
  test('exits 1 (ollama-js fails MUST checks) and writes a results.json that validates against results.schema.json', () => {
    expect(check.code).toBe(1);
    expect(validate('results', results)).toEqual({ ok: true, errors: [] });
  });

  test('apikey-tags and basic-tags scenarios (apikey, basic and their TLS variants): exactly the verdicts observed with ollama 0.6.4', () => {
    const seen: Record<string, Record<string, string>> = {};
    for (const s of results.scenarios.filter((x) => SUPPORTED_ACTIONS.has(x.action))) {
      seen[s.id] = Object.fromEntries(s.verdicts.map((v) => [v.check, v.verdict]));
    }
    expect(seen).toEqual(OBSERVED);
  });

  test('scenarios of cloud-tags, cloud-whoami and registry-manifest (registry, direct, keys and their TLS variants): every check is skip, none fails', () => {
    const unsupported = results.scenarios.filter((s) => !SUPPORTED_ACTIONS.has(s.action));
    expect(unsupported.length).toBeGreaterThan(20);
    for (const s of unsupported) {
      expect({ id: s.id, exit: s.exitCode, verdicts: [...new Set(s.verdicts.map((v) => v.verdict))] }).toEqual({ id: s.id, exit: 3, verdicts: ['skip'] });
      expect(s.stderr).toMatch(new RegExp(`^unsupported action (cloud-tags|cloud-whoami|registry-manifest): ${UNSUPPORTED_REASON}\\n$`));
    }
  });

  test('summary: 5 fail, 1 non-strict, no error; every skip comes from an unsupported action', () => {
    const skips = results.scenarios.filter((s) => !SUPPORTED_ACTIONS.has(s.action)).reduce((n, s) => n + s.verdicts.length, 0);
    expect(results.summary).toEqual(expect.objectContaining({ fail: 5, 'non-strict': 1, error: 0, skip: skips, ok: false }));
  });
});

describe('on the wire, against a plain test server', () => {
  let server: TestServer;
  const apiKey = `ojs-${randomBytes(12).toString('hex')}`;
  const body = '{"models":[{"name":"m:1","model":"m:1","size":1}]}';
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...extra });

  beforeAll(async () => {
    server = await startServer(() => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body }));
  });
  afterAll(async () => {
    await server?.close();
  });

  test('apikey-tags: GET /api/tags with "Authorization: Bearer $OLLAMA_API_KEY" and ollama-js\'s User-Agent; prints a JSON-equal body', async () => {
    const from = server.requests.length;
    const r = await run(process.execPath, [ADAPTER, 'apikey-tags', server.origin], env({ OLLAMA_API_KEY: apiKey }), 30_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(body));
    const reqs = server.requests.slice(from);
    expect(reqs.map((q) => `${q.method} ${q.target}`)).toEqual(['GET /api/tags']);
    expect(reqs[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(reqs[0]!.headers['user-agent']).toMatch(/^ollama-js\/0\.6\.4 \(/);
  });

  test('apikey-tags with OLLAMA_API_KEY="": the documented header goes out as a bare "Bearer" (fetch trims the space)', async () => {
    const from = server.requests.length;
    const r = await run(process.execPath, [ADAPTER, 'apikey-tags', server.origin], env({ OLLAMA_API_KEY: '' }), 30_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const reqs = server.requests.slice(from);
    expect(reqs.map((q) => q.headers.authorization)).toEqual(['Bearer']);
  });

  test('basic-tags: userinfo in the host is never turned into Basic; fetch refuses the URL, nothing is sent, the password is not echoed', async () => {
    const from = server.requests.length;
    const pass = `pw${randomBytes(6).toString('hex')}`;
    const r = await run(process.execPath, [ADAPTER, 'basic-tags', `http://alice:${pass}@${server.hostPort}`], env({}), 30_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^basic-tags: TypeError: Request cannot be constructed from a URL that includes credentials: http:\/\/alice:\*\*\*@127\.0\.0\.1:\d+\/api\/tags\n$/);
    expect(r.stderr).not.toContain(pass);
    expect(server.requests.length).toBe(from);
  });

  test('unknown actions: exit 3 with "unsupported action <name>", no request', async () => {
    const from = server.requests.length;
    const r = await run(process.execPath, [ADAPTER, 'frobnicate', server.origin], env({}), 30_000);
    expect(r).toEqual({ code: 3, signal: null, stdout: '', stderr: 'unsupported action frobnicate\n' });
    expect(server.requests.length).toBe(from);
  });
});

describe('ollama-js itself (in-process, with the `fetch` option the library documents)', () => {
  const key = `ojs-env-${randomBytes(8).toString('hex')}`;
  let saved: string | undefined;

  beforeAll(() => {
    saved = process.env['OLLAMA_API_KEY'];
    process.env['OLLAMA_API_KEY'] = key;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['OLLAMA_API_KEY'];
    else process.env['OLLAMA_API_KEY'] = saved;
  });

  /** The URL and Authorization of the one request list() makes. */
  async function listWith(config: { host: string; headers?: Record<string, string> }): Promise<{ url: string; authorization: string | undefined }> {
    const seen: { url: string; authorization: string | undefined }[] = [];
    const spy = async (input: unknown, init?: { headers?: Record<string, string> }): Promise<unknown> => {
      const headers = init?.headers ?? {};
      seen.push({ url: String(input), authorization: headers['Authorization'] ?? headers['authorization'] });
      return { ok: true, status: 200, json: async () => ({ models: [] }) };
    };
    await new Ollama({ ...config, fetch: spy as unknown as typeof fetch }).list();
    expect(seen).toHaveLength(1);
    return seen[0]!;
  }

  test('OLLAMA_API_KEY is added by the library for https://ollama.com only', async () => {
    expect(await listWith({ host: 'https://ollama.com' })).toEqual({ url: 'https://ollama.com:443/api/tags', authorization: `Bearer ${key}` });
    expect(await listWith({ host: 'http://127.0.0.1:11434' })).toEqual({ url: 'http://127.0.0.1:11434/api/tags', authorization: undefined });
    expect(await listWith({ host: 'http://ollama.com' })).toEqual({ url: 'http://ollama.com:80/api/tags', authorization: undefined });
  });

  test('an Authorization header given by the caller wins over the environment, for any host', async () => {
    expect(await listWith({ host: 'https://ollama.com', headers: { Authorization: 'Bearer given' } })).toEqual({ url: 'https://ollama.com:443/api/tags', authorization: 'Bearer given' });
    expect(await listWith({ host: 'http://127.0.0.1:8080', headers: { Authorization: 'Bearer given' } })).toEqual({ url: 'http://127.0.0.1:8080/api/tags', authorization: 'Bearer given' });
  });

  test('user:pass@ in host is kept in every request URL (formatHost), never converted to a header', async () => {
    expect(await listWith({ host: 'http://alice:s3cret@127.0.0.1:8080' })).toEqual({ url: 'http://alice:s3cret@127.0.0.1:8080/api/tags', authorization: undefined });
  });
});
