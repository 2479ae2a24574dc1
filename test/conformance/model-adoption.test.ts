/**
 * In intercept mode the served model follows what the client asked for (issue 14): the first manifest
 * request names it, the emulator serves its golden manifest under that name (a catalogue alias, the
 * request untouched), and `{{repository}}` / `{{tag}}` / `{{challenge}}` follow. Loopback mode keeps
 * library/llama3:latest. An invalid name is not adopted and gets the emulator's answer for an unknown name.
 *
 * Three levels: the ServedModel and the cassette overlay in-process; the conformance server in intercept
 * mode reached through its proxy by undici (the exact challenge a client receives); and `oac check
 * --intercept` with the Python example client, unmodified, as a user runs it (dist/ must be built).
 * Everything listens on 127.0.0.1; the proxy routes only the public names to the run's own listeners.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent, request } from 'undici';
import { catalogueKey, defaultCatalogue, findManifest, sha256Digest, type ModelCatalogue } from '../../src/emulator/catalogue.js';
import { matchResource } from '../../src/emulator/registry.js';
import { loadCassetteOverlay, renameRepository } from '../../src/conformance/cassette.js';
import { INTERCEPTED_HOSTS } from '../../src/conformance/intercept-lane.js';
import { applyOperation } from '../../src/conformance/mutate.js';
import { fromReply } from '../../src/conformance/response.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { SCENARIO_MODEL, ServedModel } from '../../src/conformance/served-model.js';
import { startConformanceServer, type RunningServer } from '../../src/conformance/server.js';
import type { Scenario } from '../../src/conformance/types.js';
import { createInterceptCa, type InterceptCa } from '../../src/intercept/index.js';
import { CLI } from '../helpers/cli.js';
import { runProcess } from '../helpers/process.js';

const scratch = mkdtempSync(join(tmpdir(), 'oac-model-adoption-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const GOLDEN_KEY = 'library/llama3:latest';
const OCI_NAME_RULE = 'is not an OCI name (lower-case letters and digits, separated by ".", "_", "__" or "-", in components joined by "/")';
const LONG_NAME = 'a'.repeat(300);

/** The bad names of the brief, the path a client sends for each, and the note its observation carries. */
const BAD_NAMES: [string, string, string][] = [
  ['upper case', '/v2/UPPER/manifests/x', `not adopted as the served model (the repository name "UPPER" ${OCI_NAME_RULE}): the run serves ${GOLDEN_KEY} only`],
  ['300 characters', `/v2/${LONG_NAME}/manifests/latest`, `not adopted as the served model (the repository name is 300 characters long, more than 255): the run serves ${GOLDEN_KEY} only`],
  ['a ".." component', '/v2/library/../manifests/latest', `not adopted as the served model (the repository name "library/.." ${OCI_NAME_RULE}): the run serves ${GOLDEN_KEY} only`],
  ['a tag starting with "-"', '/v2/library/mistral/manifests/-x', `not adopted as the served model (the reference "-x" is not a tag (a letter, digit or "_" then up to 127 of letters, digits, ".", "_", "-")): the run serves ${GOLDEN_KEY} only`],
  ['a malformed digest', '/v2/library/mistral/manifests/sha256:', `not adopted as the served model (the reference "sha256:" is not a digest (algorithm:encoded, at most 255 characters)): the run serves ${GOLDEN_KEY} only`],
];

function adopting(): { model: ServedModel; catalogue: ModelCatalogue } {
  const catalogue = defaultCatalogue();
  return { model: new ServedModel('adopt-first-request', catalogue), catalogue };
}

describe('ServedModel', () => {
  test('loopback: the golden model whatever the client asks for', () => {
    const catalogue = defaultCatalogue();
    const model = new ServedModel('fixed', catalogue);
    expect(model.consider('/v2/library/mistral/manifests/latest')).toBeUndefined();
    expect(model.name).toEqual({ repository: 'library/llama3', tag: 'latest' });
    expect(model.templateValues()).toEqual({ repository: 'library/llama3', tag: 'latest', otherRepository: 'library/other' });
    expect(findManifest(catalogue, 'library/mistral:latest')).toBeUndefined();
  });

  test('intercept: the first manifest request names the model; the golden manifest is served under that name', () => {
    const { model, catalogue } = adopting();
    expect(model.consider('/v2/token')).toBeUndefined();
    expect(model.consider('/v2/library/mistral/blobs/sha256:00')).toBeUndefined();
    expect(model.consider('/v2/library/mistral/manifests/latest')).toEqual({
      kind: 'adopted',
      model: { repository: 'library/mistral', tag: 'latest' },
      note: `served model adopted from this request: library/mistral:latest (the golden ${GOLDEN_KEY} manifest under that name)`,
    });
    expect(model.templateValues()).toEqual({ repository: 'library/mistral', tag: 'latest', otherRepository: 'library/other' });
    expect(findManifest(catalogue, 'library/mistral:latest')).toBe(findManifest(catalogue, GOLDEN_KEY));
    // Later requests for other names are not adopted: they stay unknown names.
    expect(model.consider('/v2/library/qwen/manifests/latest')).toBeUndefined();
    expect(model.name).toEqual({ repository: 'library/mistral', tag: 'latest' });
    expect(findManifest(catalogue, 'library/qwen:latest')).toBeUndefined();
  });

  test.each([
    ['/v2/someone/model/manifests/v2', { repository: 'someone/model', tag: 'v2' }],
    ['/v2/mistral/manifests/latest', { repository: 'mistral', tag: 'latest' }],
    ['/v2/a/b.c/d__e/manifests/Q4_0-x.1', { repository: 'a/b.c/d__e', tag: 'Q4_0-x.1' }],
  ])('%s is adopted as %j', (path, expected) => {
    const { model, catalogue } = adopting();
    expect(model.consider(path)?.kind).toBe('adopted');
    expect(model.name).toEqual(expected);
    expect(findManifest(catalogue, catalogueKey(expected))).toBe(findManifest(catalogue, GOLDEN_KEY));
  });

  test('a client asking for library/other gets another "other" repository, so the two scopes stay different', () => {
    const { model } = adopting();
    model.consider('/v2/library/other/manifests/latest');
    expect(model.templateValues()).toEqual({ repository: 'library/other', tag: 'latest', otherRepository: 'library/other-model' });
  });

  test('a digest names the golden manifest only when it is its digest', () => {
    const golden = adopting();
    const digest = sha256Digest(findManifest(golden.catalogue, GOLDEN_KEY)!);
    expect(golden.model.consider(`/v2/library/mistral/manifests/${digest}`)).toMatchObject({ kind: 'adopted', note: `served model adopted from this request: library/mistral:${digest} (the golden ${GOLDEN_KEY} manifest under that name)` });
    expect(findManifest(golden.catalogue, `library/mistral:${digest}`)).toBe(findManifest(golden.catalogue, GOLDEN_KEY));

    const other = adopting();
    const unknown = `sha256:${'0'.repeat(64)}`;
    expect(other.model.consider(`/v2/library/mistral/manifests/${unknown}`)).toMatchObject({ kind: 'adopted', note: `served model adopted from this request: library/mistral:${unknown} (the digest is not the golden manifest's, so that manifest is unknown)` });
    expect(other.model.templateValues()).toMatchObject({ repository: 'library/mistral', tag: unknown });
    expect(findManifest(other.catalogue, `library/mistral:${unknown}`)).toBeUndefined();
  });

  test.each(BAD_NAMES)('%s is not adopted, and decides the run: the golden model stays', (_name, path, note) => {
    const { model, catalogue } = adopting();
    expect(model.consider(path)).toEqual({ kind: 'refused', note });
    expect(model.name).toEqual(SCENARIO_MODEL);
    expect(model.templateValues()).toEqual({ repository: 'library/llama3', tag: 'latest', otherRepository: 'library/other' });
    expect(catalogue.aliases).toBeUndefined();
    expect(model.consider('/v2/library/mistral/manifests/latest')).toBeUndefined();
  });
});

describe('the emulator routes a repository of one or more path components', () => {
  test.each([
    ['/v2/mistral/manifests/latest', { kind: 'manifests', repository: 'mistral', reference: 'latest' }],
    ['/v2/library/llama3/manifests/latest', { kind: 'manifests', repository: 'library/llama3', reference: 'latest' }],
    ['/v2/a/b/c/blobs/sha256:00', { kind: 'blobs', repository: 'a/b/c', reference: 'sha256:00' }],
  ])('%s', (path, route) => {
    expect(matchResource(path)).toEqual(route);
  });

  test.each(['/v2/token', '/v2/manifests/latest', '/v2/library/llama3/tags/list', '/v2/library/llama3/manifests/'])('%s is not a resource', (path) => {
    expect(matchResource(path)).toBeUndefined();
  });
});

describe('the cassette overlay names the repository the request named', () => {
  const RECORDED_CHALLENGE = 'Bearer realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai",scope="repository:library/llama3:pull"';
  const emulated401 = { status: 401, headers: {}, body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', findings: [] };

  test('renameRepository rewrites scopes and registry paths, nothing else', () => {
    const headers = { 'www-authenticate': 'Bearer scope="repository:library/llama3:pull,push"', location: '/v2/library/llama3/manifests/latest', other: 'library/llama3' };
    expect(renameRepository(headers, 'library/llama3', 'library/mistral')).toEqual({
      'www-authenticate': 'Bearer scope="repository:library/mistral:pull,push"',
      location: '/v2/library/mistral/manifests/latest',
      other: 'library/llama3',
    });
    expect(renameRepository(headers, 'library/llama3', 'library/llama3')).toBe(headers);
    expect(renameRepository(headers, 'library/llama3', undefined)).toBe(headers);
  });

  test('the recorded challenge, served for library/mistral, names library/mistral', () => {
    const overlay = loadCassetteOverlay('registry/pull-manifest', () => 'https://registry.ollama.ai');
    const reply = overlay.apply('challenge', emulated401, 'library/mistral');
    expect(reply.headers['www-authenticate']).toBe(RECORDED_CHALLENGE.replace('library/llama3', 'library/mistral'));
  });

  test('without a requested repository (loopback callers) it is served as recorded', () => {
    const overlay = loadCassetteOverlay('registry/pull-manifest', () => 'https://registry.ollama.ai');
    expect(overlay.apply('challenge', emulated401).headers['www-authenticate']).toBe(RECORDED_CHALLENGE);
  });

  test('an invalid name never enters a recorded header: the emulator answers itself', () => {
    const overlay = loadCassetteOverlay('registry/pull-manifest', () => 'https://registry.ollama.ai');
    const own = { ...emulated401, headers: { 'WWW-Authenticate': 'Bearer realm="x",scope="repository:a\\"b:pull"' } };
    expect(overlay.apply('challenge', own, 'a"b')).toBe(own);
  });
});

/** The scenarios by id (loaded once: the files are data). */
let scenarios: Map<string, Scenario>;
let ca: InterceptCa;
beforeAll(async () => {
  scenarios = new Map(loadScenarios().map((s) => [s.id, s]));
  ca = await createInterceptCa({ dir: mkdtempSync(join(scratch, 'ca-')), hostnames: INTERCEPTED_HOSTS });
});

/** One intercept-mode conformance server for a scenario, with its cassette as the runner serves it. */
async function interceptServer(id: string): Promise<RunningServer> {
  const scenario = scenarios.get(id);
  if (scenario === undefined) throw new Error(`no scenario ${id}`);
  let origin = '';
  const overlay = scenario.cassette ? loadCassetteOverlay(scenario.cassette, () => origin) : undefined;
  const server = await startConformanceServer({
    scenario,
    registeredKey: `AAAAC3NzaC1lZDI1NTE5AAAAI${'A'.repeat(43)}`,
    apiKey: 'test-api-key',
    basic: { user: 'u', pass: 'p' },
    ...(overlay ? { overlay } : {}),
    intercept: { ca },
  });
  origin = server.origin;
  return server;
}

/** GET through the run's proxy, trusting the run's CA, as a client that honours HTTPS_PROXY does. */
async function getThroughProxy(server: RunningServer, url: string): Promise<{ status: number; challenge: string | undefined; body: string }> {
  const agent = new ProxyAgent({ uri: server.proxy!.url, requestTls: { ca: ca.caPem } });
  try {
    const res = await request(url, { dispatcher: agent });
    const header = res.headers['www-authenticate'];
    return { status: res.statusCode, challenge: Array.isArray(header) ? header.join(', ') : header, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

describe('the conformance server in intercept mode: the challenge a client receives', () => {
  const REALM = 'realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai"';
  const cases: [string, string, string][] = [
    ['registry/golden', '/v2/library/mistral/manifests/latest', `Bearer ${REALM},scope="repository:library/mistral:pull"`],
    ['registry/golden', '/v2/someone/model/manifests/v2', `Bearer ${REALM},scope="repository:someone/model:pull"`],
    ['F-02', '/v2/library/mistral/manifests/latest', 'Bearer realm="https://other-host.invalid/v2/token",service="registry.ollama.ai",scope="repository:library/mistral:pull"'],
    ['F-03', '/v2/library/mistral/manifests/latest', 'Bearer realm="http://localhost:443/v2/token",service="registry.ollama.ai",scope="repository:library/mistral:pull"'],
    ['registry/challenge-several-scopes', '/v2/library/other/manifests/latest', `Bearer ${REALM},scope="repository:library/other:pull repository:library/other-model:pull"`],
  ];
  test.each(cases)('%s, a client asking %s', async (id, path, challenge) => {
    const server = await interceptServer(id);
    try {
      expect(await getThroughProxy(server, `https://registry.ollama.ai${path}`)).toMatchObject({ status: 401, challenge });
      // What the client sent is what the observation shows: nothing rewritten.
      expect(server.observations.map((o) => [o.role, o.url])).toEqual([['challenge', path]]);
      expect(server.harnessErrors).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 30_000);

  test('the redirect of tls/registry-redirect-downgrade sends the client to the adopted model', () => {
    const { model } = adopting();
    model.consider('/v2/someone/model/manifests/v2');
    const redirect = scenarios.get('tls/registry-redirect-downgrade')!.mutation.find((op) => op.op === 'redirect')!;
    const res = fromReply({ status: 200, headers: {}, body: '{}', findings: [] });
    applyOperation(res, redirect, { httpOrigin: 'http://registry.ollama.ai', ...model.templateValues() });
    expect(res.headers).toContainEqual(['Location', 'http://registry.ollama.ai/v2/someone/model/manifests/v2']);
  });

  // undici resolves ".." in a URL before sending it (WHATWG URL), so that case is left to the Python client below.
  test.each(BAD_NAMES.slice(0, 2))('%s: not adopted; the emulator challenges for the name as asked', async (_name, path, note) => {
    const server = await interceptServer('registry/golden');
    try {
      const repository = matchResource(path)!.repository;
      expect(await getThroughProxy(server, `https://registry.ollama.ai${path}`)).toMatchObject({ status: 401, challenge: `Bearer ${REALM},scope="repository:${repository}:pull"` });
      expect(server.observations[0]?.reason).toBe(`registry/challenge/read: authentication required: no Authorization header; answer the challenge; ${note}`);
      expect(server.servedModel()).toEqual(SCENARIO_MODEL);
    } finally {
      await server.stop();
    }
  }, 30_000);
});

interface Exchange {
  request: { method: string; url: string };
  response: { status: number; headers: Record<string, string> };
  listener: string;
  role: string;
}
interface Results {
  scenarios: { id: string; verdicts: { check: string; verdict: string; message: string }[]; exchanges: Exchange[] }[];
}

/** `oac check --intercept --action registry-manifest` on one scenario, as a user runs it. */
async function checkIntercept(scenario: string, client: string): Promise<{ code: number | null; results: Results }> {
  const reportDir = mkdtempSync(join(scratch, 'report-'));
  const run = await runProcess(process.execPath, [CLI, 'check', '--intercept', '--action', 'registry-manifest', '--scenario', scenario, '--client', client, '--report-dir', reportDir], { timeoutMs: 90_000 });
  return { code: run.code, results: JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as Results };
}

const PYTHON = '/usr/bin/python3 examples/python/client.py registry-manifest';
const MUTANT = '/usr/bin/python3 examples/mutants/mutant.py no-realm-host-check registry-manifest';
const MISTRAL = 'https://registry.ollama.ai/v2/library/mistral/manifests/latest';

/** The distinct verdicts of each check that did not pass. */
function notPassing(results: Results): [string, string][] {
  return results.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict !== 'pass').map((v): [string, string] => [v.check, v.verdict]));
}

describe('oac check --intercept: the Python example client, unmodified, pulling another model', () => {
  test.each([
    [MISTRAL, 'library%2Fmistral', 'library/mistral:latest'],
    ['https://registry.ollama.ai/v2/someone/model/manifests/v2', 'someone%2Fmodel', 'someone/model:v2'],
  ])('%s passes the golden registry scenario', async (url, scope, served) => {
    const { code, results } = await checkIntercept('registry/golden', `${PYTHON} ${url}`);
    expect(notPassing(results)).toEqual([]);
    expect(code).toBe(0);
    const exchanges = results.scenarios[0]!.exchanges;
    const path = new URL(url).pathname;
    expect(exchanges.map((e) => [e.role, e.request.url.replace(/nonce=[^&]+/, 'nonce=N').replace(/ts=\d+/, 'ts=T'), e.response.status])).toEqual([
      ['challenge', path, 401],
      ['token', `/v2/token?nonce=N&scope=repository%3A${scope}%3Apull&service=registry.ollama.ai&ts=T`, 200],
      ['resource', path, 200],
    ]);
    expect(exchanges[0]!.response.headers['x-oac-reason']).toBe(`registry/challenge/read: authentication required: no Authorization header; answer the challenge; served model adopted from this request: ${served} (the golden ${GOLDEN_KEY} manifest under that name)`);
  }, 120_000);

  test('F-02 and F-03: the client refuses the realm; the mutant without a realm-host check is caught', async () => {
    for (const id of ['F-02', 'F-03']) {
      const good = await checkIntercept(id, `${PYTHON} ${MISTRAL}`);
      expect([id, notPassing(good.results), good.code]).toEqual([id, [], 0]);
    }
    const mutant = await checkIntercept('F-02', `${MUTANT} ${MISTRAL}`);
    const sameHost = mutant.results.scenarios[0]!.verdicts.find((v) => v.check === 'registry/realm/same-host');
    expect(sameHost).toMatchObject({ verdict: 'fail', message: 'the client sent its signed Authorization to another host' });
    const leaked = mutant.results.scenarios[0]!.exchanges.find((e) => e.listener === 'other');
    expect(leaked?.request.url).toMatch(/^\/v2\/token\?nonce=[^&]+&scope=repository%3Alibrary%2Fmistral%3Apull&service=registry\.ollama\.ai&ts=\d+$/);
    expect(mutant.code).toBe(1);
  }, 240_000);

  test.each(BAD_NAMES.slice(0, 3))('%s: not adopted, the client meets an unknown manifest', async (_name, path, note) => {
    const { code, results } = await checkIntercept('registry/golden', `${PYTHON} https://registry.ollama.ai${path}`);
    const golden = results.scenarios[0]!;
    const { repository, reference } = matchResource(path)!;
    expect(golden.exchanges.map((e) => [e.role, e.request.url.split('?')[0], e.response.status])).toEqual([['challenge', path, 401], ['token', '/v2/token', 200], ['resource', path, 404]]);
    expect(golden.exchanges[1]!.request.url).toContain(`&scope=${encodeURIComponent(`repository:${repository}:pull`)}&`);
    expect(golden.exchanges[0]!.response.headers['x-oac-reason']).toBe(`registry/challenge/read: authentication required: no Authorization header; answer the challenge; ${note}`);
    expect(golden.exchanges[2]!.response.headers['x-oac-reason']).toBe(`registry/not-found: no manifest ${repository}:${reference} in the emulator's catalogue`);
    expect(golden.verdicts.filter((v) => v.verdict !== 'pass').map((v) => [v.check, v.verdict, v.message.split('\n')[0]])).toEqual([
      ['errors/surfaced', 'fail', 'a correct client succeeds here, but this one failed: registry-manifest: not found: 404: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'],
    ]);
    expect(code).toBe(1);
  }, 120_000);
});
