/**
 * The mutant zoo (examples/mutants/): every mutant is the correct Python example client with one bug put
 * back in. These tests prove, without the conformance harness, that each mutant really has its bug and
 * only it: the mutant and the unmutated client run against the same loopback server (the emulator, which
 * judges with check ids, behind a recorder that keeps the raw bytes; or a scripted server), and the test
 * asserts the exact wrong bytes the mutant sends, verified with node:crypto and strings written out from
 * docs/protocol.md, and that the base client gets the same exchange right.
 *
 * catalog.json, the input of the harness's mutation matrix, is checked against its schema and against the
 * scenario and check ids that exist.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes, verify as nodeVerifyAny } from 'node:crypto';
import https from 'node:https';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultCatalogue } from '../../src/emulator/index.js';
import { generateOllamaKey } from '../../src/keys/index.js';
import { LegacyParserPanic, parseLegacyImagesGo } from '../../src/protocol/challenge-legacy.js';
import { newAjv } from '../../src/specs/validate.js';
import { nodeVerify } from '../helpers/node-crypto-oracle.js';
import { makeRsaHome } from '../helpers/rsa-key.js';
import { loadObservedParserCases } from '../helpers/vectors.js';
import { startEmulatorBehindRecorder, startScriptedRegistry, SCRIPTED_MANIFEST, SCRIPTED_PATH, type Exchange, type RecordedEmulator, type ScriptedRegistry, type ScriptedRegistryOptions } from '../examples/helpers/servers.js';
import { EMPTY_BODY_HASH, identityFromPubFile, type PublicIdentity } from '../examples/helpers/verify.js';
import { makeTestPki, type TestPki } from '../reference/helpers/pki.js';
import { json, startServer, type Recorded, type Reply, type ServerTls, type TestServer } from '../reference/helpers/server.js';
import { BASE, MUTANT_SCRIPT, runPython, runSubject, startDualServer, type Run } from './support.js';

// -------------------------------------------------------------------------------------------------
// The catalogue

interface Catch {
  scenario: string;
  checks: string[];
}

interface CatalogMutant {
  name: string;
  bug: string;
  source: string[];
  command: string;
  replaces: string[];
  mustBeCaughtBy: Catch[];
  needsScenario?: { id: string; description: string; checks: string[] };
  note?: string;
}

interface Catalog {
  description: string;
  baseClient: string;
  mutants: CatalogMutant[];
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const catalog = readJson('examples/mutants/catalog.json') as Catalog;
const schema = readJson('examples/mutants/catalog.schema.json') as Record<string, unknown>;
const scenarios = readdirSync('specs/scenarios').filter((f) => f.endsWith('.json'))
  .map((f) => readJson(path.join('specs/scenarios', f)) as { id: string; flow: string; expect: { checks: string[] } });
const checks = new Map((readJson('specs/checks.json') as { checks: { id: string; level: 'MUST' | 'SHOULD' }[] }).checks.map((c) => [c.id, c]));

describe('catalog.json', () => {
  test('validates against catalog.schema.json (JSON Schema 2020-12, Ajv in strict mode)', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schema['$id']).toBe('string');
    expect(typeof schema['title']).toBe('string');
    expect(typeof schema['description']).toBe('string');
    const validate = newAjv().compile(schema);
    const ok = validate(catalog);
    expect({ ok, errors: validate.errors ?? [] }).toEqual({ ok: true, errors: [] });
  });

  test('the schema refuses what the catalogue must never hold', () => {
    const validate = newAjv().compile(schema);
    const good = catalog.mutants.find((m) => m.name === 'full-url-signed')!;
    const cases: [string, unknown][] = [
      ['no scenario and no needed scenario', { ...good, mustBeCaughtBy: [] }],
      ['a check id that is not an id', { ...good, mustBeCaughtBy: [{ scenario: 'direct/golden-tags', checks: ['Direct Signature'] }] }],
      ['an empty check list', { ...good, mustBeCaughtBy: [{ scenario: 'direct/golden-tags', checks: [] }] }],
      ['a command that is not a mutant of this zoo', { ...good, command: 'python3 client.py' }],
      ['an unknown field', { ...good, severity: 'high' }],
    ];
    for (const [why, mutant] of cases) {
      expect({ why, ok: validate({ ...catalog, mutants: [mutant] }) }).toEqual({ why, ok: false });
    }
  });

  test('at least 15 mutants, each named once, each run as `/usr/bin/python3 examples/mutants/mutant.py <name>`', () => {
    const names = catalog.mutants.map((m) => m.name);
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(new Set(names).size).toBe(names.length);
    for (const m of catalog.mutants) expect(m.command).toBe(`/usr/bin/python3 ${MUTANT_SCRIPT} ${m.name}`);
    expect(catalog.baseClient).toBe('examples/python/client.py');
  });

  test('every scenario id and check id it names exists in specs/', () => {
    const scenarioIds = new Set(scenarios.map((s) => s.id));
    const unknown: string[] = [];
    for (const m of catalog.mutants) {
      for (const c of m.mustBeCaughtBy) {
        if (!scenarioIds.has(c.scenario)) unknown.push(`${m.name}: scenario ${c.scenario}`);
        for (const id of c.checks) if (!checks.has(id)) unknown.push(`${m.name}: check ${id}`);
      }
      for (const id of m.needsScenario?.checks ?? []) if (!checks.has(id)) unknown.push(`${m.name}: check ${id}`);
    }
    expect(unknown).toEqual([]);
  });

  test('a mutant that waits for a scenario names one that does not exist yet (once it lands, the mutant maps to it)', () => {
    const scenarioIds = new Set(scenarios.map((s) => s.id));
    for (const m of catalog.mutants.filter((x) => x.needsScenario)) {
      expect({ name: m.name, exists: scenarioIds.has(m.needsScenario!.id) }).toEqual({ name: m.name, exists: false });
    }
    expect(catalog.mutants.find((m) => m.name === 'reused-nonce')?.mustBeCaughtBy).toEqual([{ scenario: 'registry/nonce-replay', checks: ['registry/token-url/nonce-fresh'] }]);
  });

  test('no mutant names a scenario twice', () => {
    for (const m of catalog.mutants) {
      const ids = m.mustBeCaughtBy.map((c) => c.scenario);
      expect({ name: m.name, ids: [...new Set(ids)] }).toEqual({ name: m.name, ids });
    }
  });

  test('mutant.py --list names exactly the catalogued mutants', async () => {
    const r = await runPython([MUTANT_SCRIPT, '--list'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(catalog.mutants.map((m) => m.name).sort());
  });

  test('each mutant replaces exactly the client.py names its `replaces` lists (mutant.py --changed)', async () => {
    const seen = await Promise.all(catalog.mutants.map(async (m) => {
      const r = await runPython([MUTANT_SCRIPT, '--changed', m.name], { PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
      return { name: m.name, code: r.code, stderr: r.stderr, changed: r.stdout.trim().split('\n') };
    }));
    expect(seen).toEqual(catalog.mutants.map((m) => ({ name: m.name, code: 0, stderr: '', changed: m.replaces })));
  }, 180_000); // 49 Python start-ups at once on two cores

  test('mutant.py refuses an unknown mutant and bad arguments with exit 2 and one line', async () => {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir() };
    const unknown = await runPython([MUTANT_SCRIPT, 'no-such-bug', 'cloud-tags', 'http://127.0.0.1:9'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown mutant 'no-such-bug' \(known: .*raw-32-byte-pubkey.*\)\n$/);
    const usage = await runPython([MUTANT_SCRIPT, 'raw-32-byte-pubkey'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^usage: mutant\.py <mutant-name> <action> <target>/);
  });
});

// -------------------------------------------------------------------------------------------------
// Behaviour: each mutant against the unmutated client

const API_KEY = `oac-mutant-key-${randomBytes(12).toString('hex')}`;
const BASIC = { user: 'alice', pass: 's3cr%t p@ss:w+1' };
const BASIC_USERINFO = 'alice:s3cr%25t%20p%40ss%3Aw+1';
const SCOPE = 'repository:library/llama3:pull';
const MANIFEST_PATH = '/v2/library/llama3/manifests/latest';
const GENERIC_GO_ERROR = 'something went wrong, please see the ollama server logs for details';
const THREE_HOURS = 3 * 3600;

let work: string;
let home: string;
let emptyHome: string;
let identity: PublicIdentity;
let pki: TestPki;
let caFile: string;
let emu: RecordedEmulator;
let manifest: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'oac-mutants-'));
  home = path.join(work, 'home');
  emptyHome = path.join(work, 'empty-home');
  mkdirSync(emptyHome);
  generateOllamaKey({ home, seed: randomBytes(32) });
  identity = identityFromPubFile(path.join(home, '.ollama', 'id_ed25519.pub'));
  pki = makeTestPki(); // openssl runs synchronously: before any server of this process listens
  caFile = path.join(work, 'ca.pem');
  writeFileSync(caFile, pki.caCert);
  const catalogue = defaultCatalogue();
  manifest = catalogue.manifests.get('library/llama3:latest')!;
  emu = await startEmulatorBehindRecorder({ models: catalogue, apiKeys: [API_KEY], basic: BASIC });
}, 60_000);

afterAll(async () => {
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The mutants that have a behaviour test below (filled while the file is collected). */
const tested = new Set<string>();

function describeMutant(name: string, body: () => void): void {
  tested.add(name);
  describe(`mutant ${name}`, body);
}

interface OnEmulator {
  run: Run;
  exchanges: Exchange[];
  /** Ids of the checks the emulator found broken, sorted, each once. */
  failing: string[];
  reasons: string[];
}

async function onEmulator(who: string, action: string, opts: { home?: string; target?: string; env?: Record<string, string>; server?: RecordedEmulator } = {}): Promise<OnEmulator> {
  const server = opts.server ?? emu;
  const from = server.exchanges.length;
  const logFrom = server.emulator.log.length;
  const target = opts.target ?? (action === 'registry-manifest' ? `${server.front.origin}${MANIFEST_PATH}` : server.front.origin);
  const run = await runSubject(who, action, target, opts.home ?? home, opts.env);
  const events = server.emulator.log.slice(logFrom);
  const failing = [...new Set(events.flatMap((e) => e.findings.filter((f) => !f.ok).map((f) => f.id)))].sort();
  return { run, exchanges: server.exchanges.slice(from), failing, reasons: events.flatMap((e) => (e.reason ? [e.reason] : [])) };
}

async function withScripted<T>(opts: ScriptedRegistryOptions, body: (reg: ScriptedRegistry) => Promise<T>): Promise<T> {
  const reg = await startScriptedRegistry(opts);
  try {
    return await body(reg);
  } finally {
    await reg.server.close();
  }
}

async function withServer<T>(handler: (req: Recorded) => Reply, body: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startServer(handler);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

function expectOk(r: Run): void {
  expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
}

/** Exit 1 with exactly one line on stderr containing every fragment. */
function expectFailure(r: Run, ...fragments: string[]): void {
  expect({ code: r.code, signal: r.signal, lines: r.stderr.split('\n').length }).toEqual({ code: 1, signal: null, lines: 2 });
  for (const f of fragments) expect(r.stderr).toContain(f);
}

interface Pair {
  scheme: 'raw' | 'bearer';
  a: string;
  b: string;
}

function pairOf(value: string | string[] | undefined): Pair {
  expect(typeof value).toBe('string');
  const v = value as string;
  const scheme = v.startsWith('Bearer ') ? 'bearer' : 'raw';
  const rest = scheme === 'bearer' ? v.slice('Bearer '.length) : v;
  const colon = rest.indexOf(':');
  expect(colon).toBeGreaterThan(0);
  return { scheme, a: rest.slice(0, colon), b: rest.slice(colon + 1) };
}

/** The raw 64-byte signature of a correct `<A>:<B>` pair. */
function rawSignature(p: Pair): Buffer {
  expect(p.b).toMatch(/^[A-Za-z0-9+/]{86}==$/);
  return Buffer.from(p.b, 'base64');
}

function verifies(message: string, signature: Buffer): boolean {
  return nodeVerify(identity.raw, message, signature);
}

/** A correct pair by this key: A is the .pub field, B the raw signature over `message`. */
function expectSignedPair(p: Pair, message: string): void {
  expect(p.a).toBe(identity.field);
  expect({ message, verifies: verifies(message, rawSignature(p)) }).toEqual({ message, verifies: true });
}

function tsOf(target: string): number {
  const m = /[?&]ts=(\d+)(?:&|$)/.exec(target);
  expect(m).not.toBeNull();
  return Number(m![1]);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function tokenExchange(exchanges: Exchange[]): Exchange {
  const found = exchanges.filter((e) => e.request.target.startsWith('/v2/token'));
  expect(found.length).toBe(1);
  return found[0]!;
}

/** The correct client's direct exchange: one signed request, raw form, ts in the URL. */
function expectGoodDirect(r: OnEmulator, method: string, path: string): void {
  expectOk(r.run);
  expect(r.failing).toEqual([]);
  expect(r.exchanges.length).toBe(1);
  const req = r.exchanges[0]!.request;
  expect(req.method).toBe(method);
  expect(req.target).toMatch(new RegExp(`^${path}\\?ts=\\d+$`));
  const p = pairOf(req.headers.authorization);
  expect(p.scheme).toBe('raw');
  expectSignedPair(p, `${method},${path}?ts=${tsOf(req.target)}`);
}

/** The correct client's registry pull: challenge, signed token request, Bearer retry, manifest printed. */
function expectGoodPull(r: OnEmulator): void {
  expectOk(r.run);
  expect(r.run.stdout).toBe(manifest);
  expect(r.failing).toEqual([]);
  expect(r.exchanges.map((e) => `${e.request.method} ${e.request.target.split('?')[0]} ${e.status}`)).toEqual([
    `GET ${MANIFEST_PATH} 401`, 'GET /v2/token 200', `GET ${MANIFEST_PATH} 200`,
  ]);
  const token = r.exchanges[1]!.request;
  const p = pairOf(token.headers.authorization);
  expect(p.scheme).toBe('raw');
  expectSignedPair(p, `GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
}

const standardChallenge = (origin: string): string => `Bearer realm="${origin}/v2/token",service="registry.test",scope="${SCOPE}"`;

// ---------------------------------------------------------------- keys and signatures

describeMutant('raw-32-byte-pubkey', () => {
  test('cloud-tags: A is the 44-char base64 of the raw 32-byte key; the signature over GET,/api/tags?ts= is right', async () => {
    expectGoodDirect(await onEmulator(BASE, 'cloud-tags'), 'GET', '/api/tags');
    const r = await onEmulator('raw-32-byte-pubkey', 'cloud-tags');
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    expect(req.target).toMatch(/^\/api\/tags\?ts=\d+$/);
    const p = pairOf(req.headers.authorization);
    expect(p.scheme).toBe('raw');
    expect(p.a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(p.a, 'base64').equals(identity.raw)).toBe(true);
    expect(verifies(`GET,/api/tags?ts=${tsOf(req.target)}`, rawSignature(p))).toBe(true);
    expect(r.failing).toEqual(['direct/signature', 'keys/pubkey-field']);
    expect(r.reasons.join('\n')).toContain('raw 32-byte key');
  });

  test('registry-manifest: the token request carries the same 44-char key field over a correct registry signature', async () => {
    expectGoodPull(await onEmulator(BASE, 'registry-manifest'));
    const r = await onEmulator('raw-32-byte-pubkey', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 401');
    const token = tokenExchange(r.exchanges).request;
    const p = pairOf(token.headers.authorization);
    expect(Buffer.from(p.a, 'base64').equals(identity.raw)).toBe(true);
    expect(verifies(`GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`, rawSignature(p))).toBe(true);
    expect(r.failing).toEqual(['keys/pubkey-field', 'registry/token-request/signature']);
  });
});

describeMutant('ssh-wire-signature', () => {
  test('cloud-tags: B is the 83-byte SSH signature blob (string "ssh-ed25519", string sig) around a correct signature', async () => {
    const r = await onEmulator('ssh-wire-signature', 'cloud-tags');
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    const p = pairOf(req.headers.authorization);
    expect(p.a).toBe(identity.field);
    expect(p.b).toMatch(/^[A-Za-z0-9+/]{111}=$/);
    const blob = Buffer.from(p.b, 'base64');
    expect(blob.length).toBe(83);
    expect(blob.subarray(0, 19).toString('latin1')).toBe('\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x40');
    expect(verifies(`GET,/api/tags?ts=${tsOf(req.target)}`, blob.subarray(19))).toBe(true);
    expect(r.failing).toEqual(['direct/signature', 'keys/signature-raw']);
  });

  test('registry-manifest: the token request signature is wrapped the same way', async () => {
    const r = await onEmulator('ssh-wire-signature', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 401');
    const token = tokenExchange(r.exchanges).request;
    const blob = Buffer.from(pairOf(token.headers.authorization).b, 'base64');
    expect(blob.length).toBe(83);
    expect(verifies(`GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`, blob.subarray(19))).toBe(true);
    expect(r.failing).toEqual(['keys/signature-raw', 'registry/token-request/signature']);
  });
});

// ---------------------------------------------------------------- direct requests

describeMutant('full-url-signed', () => {
  test.each([['cloud-tags', 'GET', '/api/tags'], ['cloud-whoami', 'POST', '/api/me']])('%s: signs %s,<scheme://host:port><path>?ts=; ts in the URL, header well-formed', async (action, method, apiPath) => {
    expectGoodDirect(await onEmulator(BASE, action), method, apiPath);
    const r = await onEmulator('full-url-signed', action);
    expectFailure(r.run, `${action}: 401`);
    const req = r.exchanges[0]!.request;
    expect(req.target).toMatch(new RegExp(`^${apiPath}\\?ts=\\d+$`));
    const p = pairOf(req.headers.authorization);
    expect(p.scheme).toBe('raw');
    const ts = tsOf(req.target);
    expectSignedPair(p, `${method},${emu.front.origin}${apiPath}?ts=${ts}`);
    expect(verifies(`${method},${apiPath}?ts=${ts}`, rawSignature(p))).toBe(false);
    expect(r.failing).toEqual(['direct/signature']);
    expect(r.reasons.join('\n')).toContain('the full URL');
  });
});

describeMutant('ts-signed-not-sent', () => {
  test('cloud-tags: the URL is /api/tags with no query, the signature covers GET,/api/tags?ts=<now>', async () => {
    const before = nowSeconds();
    const r = await onEmulator('ts-signed-not-sent', 'cloud-tags');
    const after = nowSeconds();
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    expect(req.target).toBe('/api/tags');
    const p = pairOf(req.headers.authorization);
    expect(p.a).toBe(identity.field);
    const signature = rawSignature(p);
    const signedTs: number[] = [];
    for (let t = before - 5; t <= after + 5; t++) if (verifies(`GET,/api/tags?ts=${t}`, signature)) signedTs.push(t);
    expect(signedTs.length).toBe(1);
    expect(r.failing).toEqual(['direct/signature', 'direct/ts-in-url', 'direct/ts-window']);
  });

  test('cloud-whoami: POST /api/me without ?ts=', async () => {
    const r = await onEmulator('ts-signed-not-sent', 'cloud-whoami');
    expectFailure(r.run, 'cloud-whoami: 401');
    expect(r.exchanges[0]!.request.method).toBe('POST');
    expect(r.exchanges[0]!.request.target).toBe('/api/me');
  });
});

describeMutant('body-hash-in-direct', () => {
  test.each([['cloud-tags', 'GET', '/api/tags'], ['cloud-whoami', 'POST', '/api/me']])('%s: signs %s,<path>?ts=<ts>,<base64(hex(sha256(body)))> (the empty-body hash)', async (action, method, apiPath) => {
    const r = await onEmulator('body-hash-in-direct', action);
    expectFailure(r.run, `${action}: 401`);
    const req = r.exchanges[0]!.request;
    expect(req.target).toMatch(new RegExp(`^${apiPath}\\?ts=\\d+$`));
    expect(req.body.length).toBe(0);
    const p = pairOf(req.headers.authorization);
    expectSignedPair(p, `${method},${apiPath}?ts=${tsOf(req.target)},${EMPTY_BODY_HASH}`);
    expect(r.failing).toEqual(['direct/no-body-hash', 'direct/signature']);
  });
});

describeMutant('stale-ts', () => {
  test('cloud-tags: a correct signature over a ts three hours old', async () => {
    const before = nowSeconds();
    const r = await onEmulator('stale-ts', 'cloud-tags');
    const after = nowSeconds();
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    const ts = tsOf(req.target);
    expect(ts).toBeGreaterThanOrEqual(before - THREE_HOURS - 2);
    expect(ts).toBeLessThanOrEqual(after - THREE_HOURS + 2);
    expectSignedPair(pairOf(req.headers.authorization), `GET,/api/tags?ts=${ts}`);
    expect(r.failing).toEqual(['direct/ts-window']);
  });

  test('registry-manifest: the token URL ts is three hours old, everything else right', async () => {
    const before = nowSeconds();
    const r = await onEmulator('stale-ts', 'registry-manifest');
    const after = nowSeconds();
    expectFailure(r.run, 'token endpoint answered 401');
    const token = tokenExchange(r.exchanges).request;
    const ts = tsOf(token.target);
    expect(ts).toBeGreaterThanOrEqual(before - THREE_HOURS - 2);
    expect(ts).toBeLessThanOrEqual(after - THREE_HOURS + 2);
    expectSignedPair(pairOf(token.headers.authorization), `GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
    expect(r.failing).toEqual(['registry/token-request/ts-window']);
  });
});

describeMutant('empty-error-body-success', () => {
  test('401 or 500 with an empty body: exit 0 and nothing printed; a 401 with a body still fails as in the base client', async () => {
    let reply: Reply = { status: 401 };
    await withServer(() => reply, async (server) => {
      const base = await runSubject(BASE, 'cloud-tags', server.origin, home);
      expect(base).toEqual({ code: 1, signal: null, stdout: '', stderr: 'cloud-tags: 401\n' });
      const mutant = await runSubject('empty-error-body-success', 'cloud-tags', server.origin, home);
      expect(mutant).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
      // The request itself is the correct signed one.
      const req = server.requests.at(-1)!;
      expectSignedPair(pairOf(req.headers.authorization), `GET,/api/tags?ts=${tsOf(req.target)}`);

      reply = { status: 500 };
      expect(await runSubject('empty-error-body-success', 'cloud-tags', server.origin, home)).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });

      reply = json(401, { error: 'unauthorized' });
      const baseWithBody = await runSubject(BASE, 'cloud-tags', server.origin, home);
      expect(await runSubject('empty-error-body-success', 'cloud-tags', server.origin, home)).toEqual(baseWithBody);
      expect(baseWithBody.stderr).toBe('cloud-tags: 401: unauthorized\n');
    });
  });
});

describeMutant('generic-401-message', () => {
  test('a 401 with signin_url becomes Go\'s generic AuthorizationError text; other statuses are unchanged', async () => {
    const signinUrl = 'https://ollama.com/connect?name=oac-test&key=c3NoLWVkMjU1MTk';
    let reply: Reply = json(401, { error: 'unauthorized', signin_url: signinUrl });
    await withServer(() => reply, async (server) => {
      const base = await runSubject(BASE, 'cloud-whoami', server.origin, home);
      expectFailure(base, 'cloud-whoami: 401: unauthorized', signinUrl);
      const mutant = await runSubject('generic-401-message', 'cloud-whoami', server.origin, home);
      expect(mutant).toEqual({ code: 1, signal: null, stdout: '', stderr: `cloud-whoami: ${GENERIC_GO_ERROR}\n` });

      reply = json(500, { error: 'boom' });
      const base500 = await runSubject(BASE, 'cloud-whoami', server.origin, home);
      expect(base500.stderr).toBe('cloud-whoami: 500: boom\n');
      expect(await runSubject('generic-401-message', 'cloud-whoami', server.origin, home)).toEqual(base500);
    });
  });
});

describeMutant('errors-swallowed', () => {
  test('no key: the base client fails before any request; the mutant prints {"models":[]} and exits 0', async () => {
    const base = await onEmulator(BASE, 'cloud-tags', { home: emptyHome });
    expectFailure(base.run, 'cloud-tags: cannot read key');
    expect(base.exchanges).toEqual([]);
    const r = await onEmulator('errors-swallowed', 'cloud-tags', { home: emptyHome });
    expect(r.run).toEqual({ code: 0, signal: null, stdout: '{"models":[]}', stderr: '' });
    expect(r.exchanges).toEqual([]);
  });

  test('a 401 from the server and a registry without a challenge: exit 0 with an empty result', async () => {
    await withServer(() => json(401, { error: 'unauthorized' }), async (server) => {
      expect(await runSubject('errors-swallowed', 'cloud-tags', server.origin, home)).toEqual({ code: 0, signal: null, stdout: '{"models":[]}', stderr: '' });
      expect(await runSubject('errors-swallowed', 'cloud-whoami', server.origin, home)).toEqual({ code: 0, signal: null, stdout: '{}', stderr: '' });
    });
    await withScripted({ challenge: () => undefined }, async (reg) => {
      const target = `${reg.server.origin}${SCRIPTED_PATH}`;
      expectFailure(await runSubject(BASE, 'registry-manifest', target, home), '401 without a WWW-Authenticate challenge');
      expect(await runSubject('errors-swallowed', 'registry-manifest', target, home)).toEqual({ code: 0, signal: null, stdout: '{}', stderr: '' });
    });
  });

  test('on success it prints the server\'s body, as the base client does', async () => {
    const base = await onEmulator(BASE, 'cloud-tags');
    const r = await onEmulator('errors-swallowed', 'cloud-tags');
    expectOk(r.run);
    expect(r.run.stdout).toBe(base.run.stdout);
    expect(JSON.parse(r.run.stdout).models.length).toBeGreaterThan(0);
    expect(r.failing).toEqual([]);
  });
});

// ---------------------------------------------------------------- registry flow

describeMutant('no-realm-host-check', () => {
  test('a realm on another host gets the signed token request (CVE-2025-51471); the base client refuses it', async () => {
    await withServer(() => json(200, { token: 'stolen' }), async (other) => {
      const opts: ScriptedRegistryOptions = { challenge: () => `Bearer realm="${other.origin}/v2/token",service="registry.test",scope="${SCOPE}"` };
      await withScripted(opts, async (reg) => {
        const base = await runSubject(BASE, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
        expectFailure(base, `realm host "${other.hostPort}" does not match original host "${reg.server.hostPort}"`);
        expect(other.requests.length).toBe(0);

        const r = await runSubject('no-realm-host-check', 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
        expectFailure(r, 'unauthorized: access denied');
        expect(other.requests.length).toBe(1);
        const leaked = other.requests[0]!;
        expect(leaked.target).toMatch(/^\/v2\/token\?nonce=[A-Za-z0-9_-]{22}&scope=repository%3Alibrary%2Fllama3%3Apull&service=registry\.test&ts=\d+$/);
        const p = pairOf(leaked.headers.authorization);
        expect(p.scheme).toBe('raw');
        expectSignedPair(p, `GET,${other.origin}${leaked.target},${EMPTY_BODY_HASH}`);
        // …and the other host's token is then presented to the registry.
        expect(reg.resourceRequests().at(-1)!.headers.authorization).toBe('Bearer stolen');
      });
    });
  });
});

describeMutant('realm-host-without-port', () => {
  test('a realm on the same host name, another port, gets the signed token request; the base client refuses it', async () => {
    await withServer(() => json(200, { token: 'stolen' }), async (other) => {
      const opts: ScriptedRegistryOptions = { challenge: () => `Bearer realm="${other.origin}/v2/token",service="registry.test",scope="${SCOPE}"` };
      await withScripted(opts, async (reg) => {
        // Same name (127.0.0.1), another port: only the port tells the two hosts apart.
        expect(other.hostPort.split(':')[0]).toBe(reg.server.hostPort.split(':')[0]);
        const base = await runSubject(BASE, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
        expectFailure(base, `realm host "${other.hostPort}" does not match original host "${reg.server.hostPort}"`);
        expect(other.requests.length).toBe(0);

        const r = await runSubject('realm-host-without-port', 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
        expectFailure(r, 'unauthorized: access denied');
        expect(other.requests.length).toBe(1);
        expect(other.requests[0]!.target).toMatch(/^\/v2\/token\?nonce=/);
      });
    });
  });
});

describeMutant('http-realm-accepted', () => {
  test('an http:// realm on the https registry\'s host:port gets the signature over plain text', async () => {
    let issued = '';
    const server = await startDualServer({ key: pki.serverKey, cert: pki.serverCert }, (req) => {
      if (req.target.startsWith('/v2/token')) {
        issued = `tok-${randomBytes(6).toString('hex')}`;
        return json(200, { token: issued });
      }
      if (req.scheme === 'https' && issued !== '' && req.headers.authorization === `Bearer ${issued}`) {
        return { status: 200, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: SCRIPTED_MANIFEST };
      }
      return { status: 401, headers: { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${server.port}/v2/token",service="registry.test",scope="${SCOPE}"` }, body: '' };
    });
    try {
      const target = `${server.httpsOrigin}${SCRIPTED_PATH}`;
      const base = await runSubject(BASE, 'registry-manifest', target, home, { OAC_CA_FILE: caFile });
      expectFailure(base, 'downgrade');
      expect(server.requests.map((r) => r.scheme)).toEqual(['https']);

      const from = server.requests.length;
      const r = await runSubject('http-realm-accepted', 'registry-manifest', target, home, { OAC_CA_FILE: caFile });
      expect(r).toEqual({ code: 0, signal: null, stdout: SCRIPTED_MANIFEST, stderr: '' });
      const seen = server.requests.slice(from);
      expect(seen.map((q) => `${q.scheme} ${q.target.split('?')[0]}`)).toEqual([`https ${SCRIPTED_PATH}`, 'http /v2/token', `https ${SCRIPTED_PATH}`]);
      const token = seen[1]!;
      expectSignedPair(pairOf(token.headers.authorization), `GET,${server.httpOrigin}${token.target},${EMPTY_BODY_HASH}`);
    } finally {
      await server.close();
    }
  });
});

describeMutant('retry-loop', () => {
  test('a registry that always answers 401: 10 resource requests and 10 token fetches, then "too many redirects"', async () => {
    await withScripted({ challenge: standardChallenge, alwaysUnauthorized: true }, async (reg) => {
      expectFailure(await runSubject(BASE, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home), 'unauthorized: access denied');
      expect({ resource: reg.resourceRequests().length, token: reg.tokenRequests().length }).toEqual({ resource: 2, token: 1 });
    });
    await withScripted({ challenge: standardChallenge, alwaysUnauthorized: true }, async (reg) => {
      const r = await runSubject('retry-loop', 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
      expect(r).toEqual({ code: 1, signal: null, stdout: '', stderr: 'registry-manifest: too many redirects\n' });
      const resources = reg.resourceRequests();
      const tokens = reg.tokenRequests();
      expect({ resource: resources.length, token: tokens.length }).toEqual({ resource: 10, token: 10 });
      expect(resources[0]!.headers.authorization).toBeUndefined();
      resources.slice(1).forEach((q, i) => expect(q.headers.authorization).toBe(`Bearer ${reg.issued[i]}`));
      // Each token request is a correct one: fresh nonce, signed over the URL sent.
      expect(new Set(tokens.map((t) => /nonce=([^&]+)/.exec(t.target)![1])).size).toBe(10);
      for (const t of tokens) expectSignedPair(pairOf(t.headers.authorization), `GET,${reg.server.origin}${t.target},${EMPTY_BODY_HASH}`);
    });
  });

  test('a registry that accepts the token: the same three requests as the base client', async () => {
    expectGoodPull(await onEmulator('retry-loop', 'registry-manifest'));
  });
});

describeMutant('empty-token-empty-bearer', () => {
  test.each([['{}', {}], ['{"token":""}', { token: '' }]])('token response %s: the retry carries "Authorization: Bearer" with an empty credential', async (_label, body) => {
    const opts: ScriptedRegistryOptions = { challenge: standardChallenge, tokenReply: () => json(200, body) };
    await withScripted(opts, async (reg) => {
      expectFailure(await runSubject(BASE, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home), 'token endpoint answered 200');
      expect(reg.resourceRequests().length).toBe(1);
    });
    await withScripted(opts, async (reg) => {
      const r = await runSubject('empty-token-empty-bearer', 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
      expect(r.code).not.toBe(0);
      const resources = reg.resourceRequests();
      expect(resources.length).toBe(2);
      const raw = resources[1]!.rawHeaders;
      const at = raw.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === 'authorization');
      expect(raw[at + 1]?.trim()).toBe('Bearer');
      expect(reg.tokenRequests().length).toBe(1);
    });
  });

  test('a usable token still works', async () => {
    expectGoodPull(await onEmulator('empty-token-empty-bearer', 'registry-manifest'));
  });
});

describeMutant('unsorted-token-query', () => {
  test('the token URL is <realm>?service&scope&ts&nonce, unescaped, and the signature covers exactly that URL', async () => {
    const r = await onEmulator('unsorted-token-query', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 401');
    const token = tokenExchange(r.exchanges).request;
    const port = emu.front.port;
    expect(token.target).toMatch(new RegExp(`^/v2/token\\?service=127\\.0\\.0\\.1:${port}&scope=repository:library/llama3:pull&ts=\\d+&nonce=[A-Za-z0-9_-]{22}$`));
    expectSignedPair(pairOf(token.headers.authorization), `GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
    expect(r.failing).toEqual(['registry/token-url/form-escaping', 'registry/token-url/sorted-query']);
  });
});

describeMutant('reused-nonce', () => {
  async function twice(who: string): Promise<{ runs: Run[]; nonces: string[]; failing: string[][] }> {
    const server = await startEmulatorBehindRecorder({});
    try {
      const first = await onEmulator(who, 'registry-manifest', { server });
      const second = await onEmulator(who, 'registry-manifest', { server });
      const nonces = [first, second].map((r) => /[?&]nonce=([^&]+)/.exec(tokenExchange(r.exchanges).request.target)![1]!);
      return { runs: [first.run, second.run], nonces, failing: [first.failing, second.failing] };
    } finally {
      await server.close();
    }
  }

  test('two pulls against one registry: the same all-zero nonce twice, refused as a replay the second time', async () => {
    const base = await twice(BASE);
    base.runs.forEach(expectOk);
    expect(base.nonces[0]).not.toBe(base.nonces[1]);
    expect(base.failing).toEqual([[], []]);

    const r = await twice('reused-nonce');
    expect(r.nonces).toEqual(['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA']);
    expectOk(r.runs[0]!);
    expectFailure(r.runs[1]!, 'token endpoint answered 401');
    expect(r.failing).toEqual([[], ['registry/token-url/nonce-fresh']]);
  });
});

describeMutant('bearer-form-token-request', () => {
  test('the token request says Bearer <A>:<B>; the pair itself is right, and the pull completes', async () => {
    const r = await onEmulator('bearer-form-token-request', 'registry-manifest');
    expectOk(r.run);
    expect(r.run.stdout).toBe(manifest);
    const token = tokenExchange(r.exchanges).request;
    const p = pairOf(token.headers.authorization);
    expect(p.scheme).toBe('bearer');
    expectSignedPair(p, `GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
    expect(r.failing).toEqual(['registry/token-request/raw-form']);
  });

  test('direct requests keep the raw form', async () => {
    expectGoodDirect(await onEmulator('bearer-form-token-request', 'cloud-tags'), 'GET', '/api/tags');
  });
});

describeMutant('post-token-request', () => {
  test('POST to the token URL, no body, signed POST,<token URL>,<empty-body hash>', async () => {
    const r = await onEmulator('post-token-request', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 405');
    const token = tokenExchange(r.exchanges).request;
    expect(token.method).toBe('POST');
    expect(token.headers['content-length']).toBe('0');
    expect(token.body.length).toBe(0);
    expect(token.target).toMatch(/^\/v2\/token\?nonce=[A-Za-z0-9_-]{22}&scope=repository%3Alibrary%2Fllama3%3Apull&service=127\.0\.0\.1%3A\d+&ts=\d+$/);
    expectSignedPair(pairOf(token.headers.authorization), `POST,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
    expect(r.failing).toEqual(['registry/token-request/method-get']);
  });
});

/** The challenge of F-05, and what images.go panics with on it (the header after "Bearer " is L bytes). */
function emptyRealmChallenge(): { header: string; panic: string } {
  const header = `Bearer service="registry.test",scope="${SCOPE}",realm=`;
  const length = Buffer.byteLength(header) - 'Bearer '.length;
  return { header, panic: `runtime error: slice bounds out of range [:${length + 1}] with length ${length}` };
}

async function expectGoPanicOnEmptyRealm(who: string): Promise<void> {
  const { header, panic } = emptyRealmChallenge();
  // The project's own TypeScript transcription of images.go agrees on the panic.
  expect(() => parseLegacyImagesGo(header)).toThrow(LegacyParserPanic);
  expect(() => parseLegacyImagesGo(header)).toThrow(panic);
  await withScripted({ challenge: () => header }, async (reg) => {
    const target = `${reg.server.origin}${SCRIPTED_PATH}`;
    expectFailure(await runSubject(BASE, 'registry-manifest', target, home), 'expected a value', '"realm"');
    const r = await runSubject(who, 'registry-manifest', target, home);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr.startsWith(`panic: ${panic}\n\ngoroutine 1 [running]:\ngithub.com/ollama/ollama/server.getValue(...)\n\tgithub.com/ollama/ollama/server/images.go:1434\n`)).toBe(true);
    expect(reg.tokenRequests().length).toBe(0);
  });
}

const unquotedChallenge = (origin: string): string => `Bearer realm=${origin}/v2/token,service=registry.test,scope=${SCOPE}`;

describeMutant('crash-on-empty-realm', () => {
  test('a challenge ending in realm=: Go\'s panic text, a goroutine trace, exit status 2, no token request', async () => {
    await expectGoPanicOnEmptyRealm('crash-on-empty-realm');
  });

  test('everything else is parsed by the correct parser: unquoted values work, as in the base client', async () => {
    await withScripted({ challenge: unquotedChallenge }, async (reg) => {
      const target = `${reg.server.origin}${SCRIPTED_PATH}`;
      expect(await runSubject(BASE, 'registry-manifest', target, home)).toEqual({ code: 0, signal: null, stdout: SCRIPTED_MANIFEST, stderr: '' });
      expect(await runSubject('crash-on-empty-realm', 'registry-manifest', target, home)).toEqual({ code: 0, signal: null, stdout: SCRIPTED_MANIFEST, stderr: '' });
    });
  });
});

describeMutant('legacy-substring-parser', () => {
  test('reproduces what Ollama\'s images.go parser returned for every header of the observed Go vectors', async () => {
    const vectors = loadObservedParserCases();
    const script = [
      'import importlib.util, json, sys',
      'sys.dont_write_bytecode = True',
      `spec = importlib.util.spec_from_file_location("m", ${JSON.stringify(path.resolve('examples/mutants/mutants.py'))})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'out = []',
      'for header in json.loads(sys.argv[1]):',
      '    h = m.legacy_header([header] if header != "" else [])',
      '    out.append([m.go_get_value(h, k).decode("utf-8", "surrogateescape") for k in ("realm", "service", "scope")])',
      'print(json.dumps(out))',
    ].join('\n');
    const r = await runPython(['-c', script, JSON.stringify(vectors.map((v) => v.header))], { PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const got = JSON.parse(r.stdout) as string[][];
    expect(vectors.map((v, i) => ({ case: v.case, parsed: got[i] }))).toEqual(vectors.map((v) => ({ case: v.case, parsed: v['images.go'] })));
  });

  test('unquoted parameters: the realm loses its first byte (ttp://…) and no token request is made', async () => {
    await withScripted({ challenge: unquotedChallenge }, async (reg) => {
      const target = `${reg.server.origin}${SCRIPTED_PATH}`;
      const r = await runSubject('legacy-substring-parser', 'registry-manifest', target, home);
      expectFailure(r, `realm "ttp://${reg.server.hostPort}/v2/token,service=registry.test,scope=${SCOPE}"`);
      expect(reg.tokenRequests().length).toBe(0);
    });
  });

  test('`service=` inside the realm\'s own query is what the substring search finds', async () => {
    const challenge = (origin: string): string => `Bearer realm="${origin}/v2/token?service=evil",service="registry.test",scope="${SCOPE}"`;
    const serviceOf = async (who: string): Promise<string[]> => withScripted({ challenge }, async (reg) => {
      const r = await runSubject(who, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
      expect(r).toEqual({ code: 0, signal: null, stdout: SCRIPTED_MANIFEST, stderr: '' });
      const token = reg.tokenRequests()[0]!;
      expectSignedPair(pairOf(token.headers.authorization), `GET,${reg.server.origin}${token.target},${EMPTY_BODY_HASH}`);
      return [...new URLSearchParams(token.target.split('?')[1]).getAll('service')];
    });
    expect(await serviceOf(BASE)).toEqual(['evil', 'registry.test']);
    expect(await serviceOf('legacy-substring-parser')).toEqual(['evil', 'vil']);
  });

  test('a challenge ending in realm=: the same Go panic as Ollama', async () => {
    await expectGoPanicOnEmptyRealm('legacy-substring-parser');
  });
});

// ---------------------------------------------------------------- credentials and other hosts

interface RedirectRun {
  run: Run;
  /** Authorization as it reached the first server and the redirect target ('(none)' when absent). */
  first: string;
  other: string;
}

/** `action` against a server whose /api/tags redirects to another origin (307 for the API, 302 for the proxy). */
async function throughRedirect(who: string, action: 'apikey-tags' | 'basic-tags'): Promise<RedirectRun> {
  const other = await startServer(() => json(200, { models: [] }));
  const first = await startServer(() => ({ status: action === 'apikey-tags' ? 307 : 302, headers: { Location: `${other.origin}/api/tags` } }));
  try {
    const target = action === 'basic-tags' ? `http://${BASIC_USERINFO}@${first.hostPort}` : first.origin;
    const run = await runSubject(who, action, target, home, action === 'apikey-tags' ? { OLLAMA_API_KEY: API_KEY } : {});
    expect(first.requests.length).toBe(1);
    expect(other.requests.length).toBe(1);
    const auth = (s: TestServer): string => (s.requests[0]!.headers.authorization as string | undefined) ?? '(none)';
    return { run, first: auth(first), other: auth(other) };
  } finally {
    await first.close();
    await other.close();
  }
}

const BASIC_HEADER = `Basic ${Buffer.from(`${BASIC.user}:${BASIC.pass}`).toString('base64')}`;

/** F-12: the token endpoint redirects (302) to another origin. The token request sent, and what reached the other origin. */
async function tokenThroughRedirect(who: string): Promise<{ run: Run; sent: Recorded; leaked: Recorded; registryOrigin: string }> {
  const other = await startServer(() => json(200, { token: 'from-other-host' }));
  try {
    return await withScripted({ challenge: standardChallenge, tokenReply: () => ({ status: 302, headers: { Location: `${other.origin}/v2/token` } }) }, async (reg) => {
      const run = await runSubject(who, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home);
      expectFailure(run, 'unauthorized: access denied');
      expect({ sent: reg.tokenRequests().length, leaked: other.requests.length }).toEqual({ sent: 1, leaked: 1 });
      return { run, sent: reg.tokenRequests()[0]!, leaked: other.requests[0]!, registryOrigin: reg.server.origin };
    });
  } finally {
    await other.close();
  }
}

describeMutant('redirect-keeps-authorization', () => {
  test('apikey-tags and basic-tags: the credential follows a redirect to another origin', async () => {
    const baseKey = await throughRedirect(BASE, 'apikey-tags');
    expectOk(baseKey.run);
    expect({ first: baseKey.first, other: baseKey.other }).toEqual({ first: `Bearer ${API_KEY}`, other: '(none)' });
    const key = await throughRedirect('redirect-keeps-authorization', 'apikey-tags');
    expect({ first: key.first, other: key.other }).toEqual({ first: `Bearer ${API_KEY}`, other: `Bearer ${API_KEY}` });

    const baseBasic = await throughRedirect(BASE, 'basic-tags');
    expect({ first: baseBasic.first, other: baseBasic.other }).toEqual({ first: BASIC_HEADER, other: '(none)' });
    const basic = await throughRedirect('redirect-keeps-authorization', 'basic-tags');
    expect({ first: basic.first, other: basic.other }).toEqual({ first: BASIC_HEADER, other: BASIC_HEADER });
  });

  test('registry-manifest: the signed token request follows the token endpoint\'s 302 to another origin', async () => {
    const base = await tokenThroughRedirect(BASE);
    expect(base.leaked.headers.authorization).toBeUndefined();
    const r = await tokenThroughRedirect('redirect-keeps-authorization');
    // The signature made for the registry's token URL, delivered to the other host.
    expect(r.leaked.headers.authorization).toBe(r.sent.headers.authorization);
    expectSignedPair(pairOf(r.leaked.headers.authorization), `GET,${r.registryOrigin}${r.sent.target},${EMPTY_BODY_HASH}`);
  });
});

describeMutant('apikey-any-host', () => {
  test('the API key follows a redirect to another origin; Basic credentials still do not', async () => {
    const key = await throughRedirect('apikey-any-host', 'apikey-tags');
    expectOk(key.run);
    expect({ first: key.first, other: key.other }).toEqual({ first: `Bearer ${API_KEY}`, other: `Bearer ${API_KEY}` });
    const basic = await throughRedirect('apikey-any-host', 'basic-tags');
    expect({ first: basic.first, other: basic.other }).toEqual({ first: BASIC_HEADER, other: '(none)' });
  });

  test('without a redirect the API-key request is the base client\'s', async () => {
    const base = await onEmulator(BASE, 'apikey-tags', { env: { OLLAMA_API_KEY: API_KEY } });
    const r = await onEmulator('apikey-any-host', 'apikey-tags', { env: { OLLAMA_API_KEY: API_KEY } });
    expectOk(r.run);
    expect(r.run.stdout).toBe(base.run.stdout);
    expect(r.exchanges.map((e) => [e.request.target, e.request.headers.authorization])).toEqual([['/api/tags', `Bearer ${API_KEY}`]]);
    expect(r.failing).toEqual([]);
  });
});

describeMutant('basic-userinfo-dropped', () => {
  test('user:pass@ in the target is dropped: GET /api/tags with no Authorization, the proxy\'s 401 is the error', async () => {
    const target = `http://${BASIC_USERINFO}@${emu.front.hostPort}`;
    const base = await onEmulator(BASE, 'basic-tags', { target });
    expectOk(base.run);
    expect(base.exchanges.map((e) => [e.request.target, e.request.headers.authorization])).toEqual([['/api/tags', BASIC_HEADER]]);
    expect(base.failing).toEqual([]);

    const r = await onEmulator('basic-userinfo-dropped', 'basic-tags', { target });
    expectFailure(r.run, 'basic-tags: 401');
    expect(r.exchanges.length).toBe(1);
    const req = r.exchanges[0]!.request;
    expect(req.target).toBe('/api/tags');
    expect(req.headers.host).toBe(emu.front.hostPort);
    expect(req.rawHeaders.filter((_v, i) => i % 2 === 0).map((n) => n.toLowerCase())).not.toContain('authorization');
  });
});

// -------------------------------------------------------------------------------------------------
// Coverage mutants (one per rule no other mutant breaks): each against the unmutated client

/** A fresh HOME with a key of its own (for mutants that write into HOME, and tests that need a known key). */
function freshHome(name: string): { home: string; identity: PublicIdentity } {
  const dir = path.join(work, name);
  generateOllamaKey({ home: dir, seed: randomBytes(32) });
  return { home: dir, identity: identityFromPubFile(path.join(dir, '.ollama', 'id_ed25519.pub')) };
}

/** The registry pull of `who` against a scripted registry. */
async function pullFrom(who: string, opts: ScriptedRegistryOptions, env: Record<string, string> = {}): Promise<{ run: Run; tokens: Recorded[]; resources: Recorded[]; origin: string }> {
  return withScripted(opts, async (reg) => {
    const run = await runSubject(who, 'registry-manifest', `${reg.server.origin}${SCRIPTED_PATH}`, home, env);
    return { run, tokens: reg.tokenRequests(), resources: reg.resourceRequests(), origin: reg.server.origin };
  });
}

async function withTlsServer<T>(handler: (req: Recorded) => Reply, tls: ServerTls, body: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startServer(handler, tls);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

const MANIFEST_REPLY: Reply = { status: 200, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: SCRIPTED_MANIFEST };
const OK_PULL = { code: 0, signal: null, stdout: SCRIPTED_MANIFEST, stderr: '' };

// ---------------------------------------------------------------- keys

describeMutant('key-from-ssh-dir', () => {
  test('looks for $HOME/.ssh/id_ed25519: with only Ollama\'s key there is none, and nothing is sent', async () => {
    expectGoodDirect(await onEmulator(BASE, 'cloud-tags'), 'GET', '/api/tags');
    const r = await onEmulator('key-from-ssh-dir', 'cloud-tags');
    expectFailure(r.run, 'cannot read key', path.join(home, '.ssh', 'id_ed25519'));
    expect(r.exchanges).toEqual([]);
  });
});

describeMutant('any-key-type-signs', () => {
  test('an RSA id_ed25519: the base client refuses before any request; the mutant signs with it (ssh-rsa, PKCS#1 v1.5 over SHA-1)', async () => {
    const { home: rsaHome, field, publicKey } = makeRsaHome(path.join(work, 'rsa-home'));
    await withServer(() => json(200, { models: [] }), async (server) => {
      expectFailure(await runSubject(BASE, 'cloud-tags', server.origin, rsaHome), 'is not ssh-ed25519');
      expect(server.requests.length).toBe(0);
      const r = await runSubject('any-key-type-signs', 'cloud-tags', server.origin, rsaHome);
      expectOk(r);
      const req = server.requests[0]!;
      const [a, b] = (req.headers.authorization ?? '').split(':');
      expect(a).toBe(field);
      expect(nodeVerifyAny('sha1', Buffer.from(`GET,${req.target}`), publicKey, Buffer.from(b!, 'base64'))).toBe(true);
    });
  });
});

describeMutant('signature-only-header', () => {
  test('Authorization is the bare 88-char signature (no "<A>:"), still a correct signature over GET,/api/tags?ts=', async () => {
    const r = await onEmulator('signature-only-header', 'cloud-tags');
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    const value = req.headers.authorization as string;
    expect(value).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(verifies(`GET,/api/tags?ts=${tsOf(req.target)}`, Buffer.from(value, 'base64'))).toBe(true);
    expect(r.failing).toContain('auth/header-form');
  });
});

// ---------------------------------------------------------------- the challenge

describeMutant('first-challenge-field-only', () => {
  test('a Basic field before the Bearer one: the base client reads both and pulls; the mutant sees only Basic', async () => {
    const opts: ScriptedRegistryOptions = { challenge: (origin) => ['Basic realm="registry"', standardChallenge(origin)] };
    expect((await pullFrom(BASE, opts)).run).toEqual(OK_PULL);
    const r = await pullFrom('first-challenge-field-only', opts);
    expectFailure(r.run, '401 without a Bearer challenge (got Basic)');
    expect(r.tokens).toEqual([]);
    expect((await pullFrom('first-challenge-field-only', { challenge: standardChallenge })).run).toEqual(OK_PULL);
  });
});

describeMutant('strict-challenge-regex', () => {
  test('`, ` between the parameters is "malformed" for the mutant, fine for the base client; bare commas work for both', async () => {
    const spaced: ScriptedRegistryOptions = { challenge: (origin) => `Bearer realm="${origin}/v2/token", service="registry.test", scope="${SCOPE}"` };
    expect((await pullFrom(BASE, spaced)).run).toEqual(OK_PULL);
    const r = await pullFrom('strict-challenge-regex', spaced);
    expectFailure(r.run, 'malformed WWW-Authenticate');
    expect(r.tokens).toEqual([]);
    expect((await pullFrom('strict-challenge-regex', { challenge: standardChallenge })).run).toEqual(OK_PULL);
  });
});

describeMutant('any-scheme-challenge', () => {
  test('a Basic challenge naming the token endpoint: refused by the base client, answered with the token flow by the mutant', async () => {
    const opts: ScriptedRegistryOptions = { challenge: (origin) => `Basic realm="${origin}/v2/token",service="registry.test",scope="${SCOPE}"` };
    const base = await pullFrom(BASE, opts);
    expectFailure(base.run, '401 without a Bearer challenge (got Basic)');
    expect(base.tokens).toEqual([]);
    const r = await pullFrom('any-scheme-challenge', opts);
    expect(r.run).toEqual(OK_PULL);
    expect(r.tokens.length).toBe(1);
    expectSignedPair(pairOf(r.tokens[0]!.headers.authorization), `GET,${r.origin}${r.tokens[0]!.target},${EMPTY_BODY_HASH}`);
  });
});

describeMutant('hardcoded-realm-fallback', () => {
  test('a 401 without WWW-Authenticate: the base client stops; the mutant asks <origin>/v2/token for pull on the URL\'s repository', async () => {
    const base = await pullFrom(BASE, { challenge: () => undefined });
    expectFailure(base.run, '401 without a WWW-Authenticate challenge');
    expect(base.tokens).toEqual([]);
    const r = await pullFrom('hardcoded-realm-fallback', { challenge: () => undefined });
    expect(r.run).toEqual(OK_PULL);
    const port = new URL(r.origin).port;
    expect(r.tokens.map((t) => t.target)).toEqual([expect.stringMatching(new RegExp(`^/v2/token\\?nonce=[A-Za-z0-9_-]{22}&scope=repository%3Alibrary%2Fllama3%3Apull&service=127\\.0\\.0\\.1%3A${port}&ts=\\d+$`))]);
  });
});

describeMutant('auth-retry-on-404', () => {
  test('a 404 for the manifest: the base client reports not found; the mutant fetches a token and asks again', async () => {
    let token = '';
    const handler = (req: Recorded): Reply => {
      if (req.target.startsWith('/v2/token')) {
        token = `tok-${randomBytes(6).toString('hex')}`;
        return json(200, { token });
      }
      return token !== '' && req.headers.authorization === `Bearer ${token}` ? MANIFEST_REPLY : json(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    };
    await withServer(handler, async (server) => {
      expectFailure(await runSubject(BASE, 'registry-manifest', `${server.origin}${SCRIPTED_PATH}`, home), 'not found: 404');
      expect(server.requestsTo('/v2/token')).toEqual([]);
      const r = await runSubject('auth-retry-on-404', 'registry-manifest', `${server.origin}${SCRIPTED_PATH}`, home);
      expect(r).toEqual(OK_PULL);
      expect(server.requests.map((q) => q.target.split('?')[0])).toEqual([SCRIPTED_PATH, SCRIPTED_PATH, '/v2/token', SCRIPTED_PATH]);
    });
  });
});

// ---------------------------------------------------------------- the token URL

describeMutant('realm-concatenated', () => {
  test('a realm with a query gets a second "?"; a realm Go cannot parse is used anyway', async () => {
    const withQuery: ScriptedRegistryOptions = { challenge: (origin) => `Bearer realm="${origin}/v2/token?account=oac",service="registry.test",scope="${SCOPE}"` };
    const base = await pullFrom(BASE, withQuery);
    expect(base.run).toEqual(OK_PULL);
    expect(base.tokens[0]!.target).toMatch(/^\/v2\/token\?account=oac&nonce=[A-Za-z0-9_-]{22}&scope=/);
    const r = await pullFrom('realm-concatenated', withQuery);
    expect(r.tokens[0]!.target).toMatch(/^\/v2\/token\?account=oac\?nonce=[A-Za-z0-9_-]{22}&scope=/);
    expectSignedPair(pairOf(r.tokens[0]!.headers.authorization), `GET,${r.origin}${r.tokens[0]!.target},${EMPTY_BODY_HASH}`);

    const unparseable: ScriptedRegistryOptions = { challenge: (origin) => `Bearer realm="${origin}/v2/token%zz",service="registry.test",scope="${SCOPE}"` };
    await withScripted(unparseable, async (reg) => {
      const target = `${reg.server.origin}${SCRIPTED_PATH}`;
      expectFailure(await runSubject(BASE, 'registry-manifest', target, home), 'is not usable');
      expect(reg.server.requests.length).toBe(1);
      // This registry answers any /v2/token… path, so the pull even completes.
      expect(await runSubject('realm-concatenated', 'registry-manifest', target, home)).toEqual(OK_PULL);
      expect(reg.tokenRequests().map((q) => q.target.split('?')[0])).toEqual(['/v2/token%zz']);
    });
  });
});

describeMutant('realm-resolved-against-resource', () => {
  test('realm="/v2/token": the base client refuses (realm host ""), the mutant resolves it and sends the signed request', async () => {
    const opts: ScriptedRegistryOptions = { challenge: () => `Bearer realm="/v2/token",service="registry.test",scope="${SCOPE}"` };
    const base = await pullFrom(BASE, opts);
    expectFailure(base.run, 'realm host "" does not match original host');
    expect(base.tokens).toEqual([]);
    const r = await pullFrom('realm-resolved-against-resource', opts);
    expect(r.run).toEqual(OK_PULL);
    expect(r.tokens.length).toBe(1);
  });
});

describeMutant('no-service-param', () => {
  test('the token URL has scope, ts and nonce, but no service', async () => {
    const r = await onEmulator('no-service-param', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 401');
    const token = tokenExchange(r.exchanges).request;
    expect(token.target).toMatch(/^\/v2\/token\?nonce=[A-Za-z0-9_-]{22}&scope=repository%3Alibrary%2Fllama3%3Apull&ts=\d+$/);
    expectSignedPair(pairOf(token.headers.authorization), `GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
    expect(r.failing).toEqual(['registry/token-url/service']);
  });
});

describeMutant('scope-not-split', () => {
  test('two space-separated scopes go out as ONE scope parameter (a+b); the base client sends two', async () => {
    const two = `${SCOPE} repository:library/mistral:pull`;
    const opts: ScriptedRegistryOptions = { challenge: (origin) => `Bearer realm="${origin}/v2/token",service="registry.test",scope="${two}"` };
    const base = await pullFrom(BASE, opts);
    expect(base.tokens[0]!.target).toContain('&scope=repository%3Alibrary%2Fllama3%3Apull&scope=repository%3Alibrary%2Fmistral%3Apull&');
    const r = await pullFrom('scope-not-split', opts);
    expect(r.run).toEqual(OK_PULL);
    expect(r.tokens[0]!.target).toContain('&scope=repository%3Alibrary%2Fllama3%3Apull+repository%3Alibrary%2Fmistral%3Apull&');
  });
});

describeMutant('float-ts', () => {
  test('ts=<seconds>.<fraction> in the token URL, signed as sent', async () => {
    const r = await onEmulator('float-ts', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 401');
    const token = tokenExchange(r.exchanges).request;
    expect(token.target).toMatch(/&ts=\d+\.\d+$/);
    expectSignedPair(pairOf(token.headers.authorization), `GET,${emu.front.origin}${token.target},${EMPTY_BODY_HASH}`);
    expect(r.failing).toContain('registry/token-url/ts');
  });
});

describeMutant('padded-base64-nonce', () => {
  test('the nonce is 24 characters of padded standard base64 (form-escaped in the URL)', async () => {
    const r = await onEmulator('padded-base64-nonce', 'registry-manifest');
    expectFailure(r.run, 'token endpoint answered 401');
    const nonce = decodeURIComponent(/[?&]nonce=([^&]+)/.exec(tokenExchange(r.exchanges).request.target)![1]!);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Buffer.from(nonce, 'base64').length).toBe(16);
    expect(r.failing).toEqual(['registry/token-url/nonce-shape']);
  });
});

// ---------------------------------------------------------------- the token response and the retry

describeMutant('anonymous-retry-on-token-error', () => {
  test('a 401 from the token endpoint: the base client reports it; the mutant retries the manifest without a token', async () => {
    const opts: ScriptedRegistryOptions = { challenge: standardChallenge, tokenReply: () => ({ status: 401, body: '' }) };
    const base = await pullFrom(BASE, opts);
    expectFailure(base.run, 'token endpoint answered 401');
    expect(base.resources.length).toBe(1);
    const r = await pullFrom('anonymous-retry-on-token-error', opts);
    expectFailure(r.run, 'unauthorized');
    expect(r.resources.map((q) => q.headers.authorization)).toEqual([undefined, undefined]);
  });
});

describeMutant('raw-body-token', () => {
  test('a token body that is not JSON becomes the Bearer token itself', async () => {
    const opts: ScriptedRegistryOptions = { challenge: standardChallenge, tokenReply: () => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html>ok</html>' }) };
    expectFailure((await pullFrom(BASE, opts)).run, 'not a JSON object');
    const r = await pullFrom('raw-body-token', opts);
    expect(r.resources.map((q) => q.headers.authorization)).toEqual([undefined, 'Bearer <html>ok</html>']);
  });
});

describeMutant('token-field-only', () => {
  test('{"access_token": …} alone: the base client uses it; the mutant has no token', async () => {
    let token = '';
    const handler = (req: Recorded): Reply => {
      if (req.target.startsWith('/v2/token')) {
        token = `tok-${randomBytes(6).toString('hex')}`;
        return json(200, { access_token: token, expires_in: 300 });
      }
      return token !== '' && req.headers.authorization === `Bearer ${token}` ? MANIFEST_REPLY : { status: 401, headers: { 'WWW-Authenticate': standardChallenge(`http://${req.headers.host ?? ''}`) }, body: '' };
    };
    await withServer(handler, async (server) => {
      expect(await runSubject(BASE, 'registry-manifest', `${server.origin}${SCRIPTED_PATH}`, home)).toEqual(OK_PULL);
      expectFailure(await runSubject('token-field-only', 'registry-manifest', `${server.origin}${SCRIPTED_PATH}`, home), 'without a token');
    });
  });
});

describeMutant('retry-without-bearer-word', () => {
  test('the retry carries the bare token, no "Bearer "; the registry challenges it again', async () => {
    const r = await onEmulator('retry-without-bearer-word', 'registry-manifest');
    expectFailure(r.run, 'unauthorized: access denied');
    expect(r.exchanges.map((e) => `${e.request.target.split('?')[0]} ${e.status}`)).toEqual([`${MANIFEST_PATH} 401`, '/v2/token 200', `${MANIFEST_PATH} 401`]);
    const issued = (JSON.parse(r.exchanges[1]!.body) as { token: string }).token;
    expect(r.exchanges[2]!.request.headers.authorization).toBe(issued);
  });
});

describeMutant('token-padding-stripped', () => {
  test('the token sent back lost its trailing "="', async () => {
    const r = await onEmulator('token-padding-stripped', 'registry-manifest');
    expectFailure(r.run, 'unauthorized: access denied');
    const issued = (JSON.parse(r.exchanges[1]!.body) as { token: string }).token;
    expect(issued).toMatch(/=$/);
    expect(r.exchanges[2]!.request.headers.authorization).toBe(`Bearer ${issued.replace(/=+$/, '')}`);
    expect(r.failing).toEqual(['registry/token/opaque']);
  });
});

// ---------------------------------------------------------------- direct requests

describeMutant('signature-scheme-word', () => {
  test('direct requests say "Signature <A>:<B>" around a correct pair; the registry flow is unchanged', async () => {
    const r = await onEmulator('signature-scheme-word', 'cloud-tags');
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    const value = req.headers.authorization as string;
    expect(value.startsWith('Signature ')).toBe(true);
    expectSignedPair(pairOf(value.slice('Signature '.length)), `GET,/api/tags?ts=${tsOf(req.target)}`);
    expectGoodPull(await onEmulator('signature-scheme-word', 'registry-manifest'));
  });
});

describeMutant('cached-signature', () => {
  test('two runs with one HOME send the same ts and signature twice; the base client signs each anew', async () => {
    const { home: cachedHome } = freshHome('cached-signature-home');
    const first = await onEmulator('cached-signature', 'cloud-tags', { home: cachedHome });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await onEmulator('cached-signature', 'cloud-tags', { home: cachedHome });
    expectOk(first.run);
    expectOk(second.run);
    expect(second.exchanges[0]!.request.target).toBe(first.exchanges[0]!.request.target);
    expect(second.exchanges[0]!.request.headers.authorization).toBe(first.exchanges[0]!.request.headers.authorization);
    const base = [await onEmulator(BASE, 'cloud-tags')];
    await new Promise((resolve) => setTimeout(resolve, 1100));
    base.push(await onEmulator(BASE, 'cloud-tags'));
    expect(base[1]!.exchanges[0]!.request.headers.authorization).not.toBe(base[0]!.exchanges[0]!.request.headers.authorization);
  });
});

describeMutant('own-key-generated', () => {
  test('signs with a key it made under $HOME/.config, which the server does not know; the registered key stays unused', async () => {
    const { home: ownHome, identity: registered } = freshHome('own-key-home');
    const server = await startEmulatorBehindRecorder({ authorizedKeys: [`ssh-ed25519 ${registered.field}`] });
    try {
      expectOk((await onEmulator(BASE, 'cloud-tags', { home: ownHome, server })).run);
      const r = await onEmulator('own-key-generated', 'cloud-tags', { home: ownHome, server });
      expectFailure(r.run, 'cloud-tags: 401');
      const p = pairOf(r.exchanges[0]!.request.headers.authorization);
      expect(p.a).not.toBe(registered.field);
      expect(readdirSync(path.join(ownHome, '.config', 'oac-mutant'))).toEqual(['id_ed25519']);
      expect(r.failing).toEqual(['direct/known-key']);
    } finally {
      await server.close();
    }
  });
});

describeMutant('sign-only-for-ollama-com', () => {
  test('OLLAMA_AUTH=1 against a host that is not ollama.com: no Authorization and no ts', async () => {
    const r = await onEmulator('sign-only-for-ollama-com', 'cloud-tags');
    expectFailure(r.run, 'cloud-tags: 401');
    const req = r.exchanges[0]!.request;
    expect(req.target).toBe('/api/tags');
    expect(req.headers.authorization).toBeUndefined();
  });
});

describeMutant('apikey-x-api-key-header', () => {
  test('the API key goes out as X-API-Key, with no Authorization', async () => {
    const r = await onEmulator('apikey-x-api-key-header', 'apikey-tags', { env: { OLLAMA_API_KEY: API_KEY } });
    expectFailure(r.run, 'apikey-tags: 401');
    const req = r.exchanges[0]!.request;
    expect({ key: req.headers['x-api-key'], authorization: req.headers.authorization }).toEqual({ key: API_KEY, authorization: undefined });
  });
});

// ---------------------------------------------------------------- TLS

describeMutant('tls-verification-off', () => {
  test('a certificate from a CA the client was not given: the base client refuses the handshake, the mutant sends its request', async () => {
    await withTlsServer(() => json(200, { models: [] }), { key: pki.serverKey, cert: pki.serverCert }, async (server) => {
      expectFailure(await runSubject(BASE, 'cloud-tags', server.origin, home), 'CERTIFICATE_VERIFY_FAILED');
      expect(server.requests.length).toBe(0);
      expectOk(await runSubject('tls-verification-off', 'cloud-tags', server.origin, home));
      expect(server.requests.length).toBe(1);
    });
  });
});

describeMutant('tls-1-0-allowed', () => {
  test('a server that speaks only TLS 1.1: the base client refuses, the mutant negotiates TLS 1.1', async () => {
    const versions: string[] = [];
    const server = https.createServer({ key: pki.serverKey, cert: pki.serverCert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, (req, res) => {
      versions.push((req.socket as import('node:tls').TLSSocket).getProtocol() ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"models":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `https://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
      expectFailure(await runSubject(BASE, 'cloud-tags', origin, home, { OAC_CA_FILE: caFile }), 'cloud-tags:');
      expect(versions).toEqual([]);
      expectOk(await runSubject('tls-1-0-allowed', 'cloud-tags', origin, home, { OAC_CA_FILE: caFile }));
      expect(versions).toEqual(['TLSv1.1']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describeMutant('no-client-certificate', () => {
  test('a server that requires a client certificate: the base client presents it, the mutant has none to present', async () => {
    const certFile = path.join(work, 'client.crt');
    const keyFile = path.join(work, 'client.key');
    writeFileSync(certFile, pki.clientCert);
    writeFileSync(keyFile, pki.clientKey, { mode: 0o600 });
    const env = { OAC_CA_FILE: caFile, OAC_CLIENT_CERT: certFile, OAC_CLIENT_KEY: keyFile };
    await withTlsServer(() => json(200, { models: [] }), { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requireClientCert: true }, async (server) => {
      expectOk(await runSubject(BASE, 'cloud-tags', server.origin, home, env));
      expect(server.requests.length).toBe(1);
      expectFailure(await runSubject('no-client-certificate', 'cloud-tags', server.origin, home, env), 'cloud-tags:');
      expect(server.requests.length).toBe(1);
    });
  });
});

// -------------------------------------------------------------------------------------------------

test('every catalogued mutant has a behaviour test above, and nothing else does', () => {
  expect([...tested].sort()).toEqual(catalog.mutants.map((m) => m.name).sort());
});

test('running the mutants leaves no __pycache__ in examples/ (client.py and mutants.py are loaded as modules)', () => {
  expect(readdirSync('examples/mutants')).not.toContain('__pycache__');
  expect(readdirSync('examples/python')).not.toContain('__pycache__');
});
