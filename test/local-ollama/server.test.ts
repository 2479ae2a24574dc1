/**
 * The local Ollama answers every catalogue route, method, path spelling and method spelling the way
 * `ollama serve` at fb30760 does, and its request log tells acting requests from harmless ones.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createLocalOllama, FIXTURE_MODEL, loadRouteCatalogue, type LocalOllama, type OllamaAnswer } from '../../src/local-ollama/index.js';
import { header, rawRequest, type RawResponse } from './support.js';

const catalogue = loadRouteCatalogue();
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

let ollama: LocalOllama;
beforeAll(async () => {
  ollama = await createLocalOllama();
});
afterAll(async () => {
  await ollama.close();
});
beforeEach(() => ollama.clearRequests());

function expectAnswer(label: string, res: RawResponse, want: OllamaAnswer, method: string): void {
  const got = { label, status: res.status, contentType: header(res, 'content-type') };
  expect(got).toEqual({ label, status: want.status, contentType: want.contentType });
  if (method !== 'HEAD') {
    expect({ label, body: res.body }).toEqual({ label, body: expect.stringMatching(new RegExp(want.bodyMatch)) });
    if (want.body !== undefined) expect({ label, body: res.body }).toEqual({ label, body: want.body });
  } else {
    expect({ label, body: res.body }).toEqual({ label, body: '' });
  }
  for (const [name, value] of Object.entries(want.headers ?? {})) expect({ label, [name]: header(res, name) }).toEqual({ label, [name]: value });
}

describe('every catalogue route answers its probe request as Ollama does, and nothing acts', () => {
  test.each(catalogue.routes.map((r) => [r.id, r] as const))('%s', async (_id, route) => {
    const p = route.probe;
    const res = await rawRequest(ollama.url, { method: p.method, target: p.path, headers: p.headers, body: p.body });
    expectAnswer(`${p.method} ${p.path}`, res, p.ollamaAnswer, p.method);
    const [entry] = ollama.requests();
    expect({ route: entry!.route, status: entry!.status, stateChanging: entry!.stateChanging }).toEqual({ route: route.id, status: p.ollamaAnswer.status, stateChanging: false });
  });

  test.each(catalogue.routes.flatMap((r) => r.registrations.filter((g) => g.ollamaAnswer).map((g) => [`${g.method} ${r.id}`, r, g] as const)))('other registered method: %s', async (_label, route, registration) => {
    const res = await rawRequest(ollama.url, { method: registration.method, target: route.probe.path });
    expectAnswer(`${registration.method} ${route.probe.path}`, res, registration.ollamaAnswer!, registration.method);
    expect(ollama.requests()[0]!.stateChanging).toBe(false);
  });
});

describe('gin: unregistered methods, unknown paths, trailing slashes', () => {
  test.each(catalogue.routes.map((r) => [r.id, r] as const))('%s: every unregistered method gets 405 with Allow', async (_id, route) => {
    for (const method of ALL_METHODS.filter((m) => !route.methods.includes(m))) {
      const res = await rawRequest(ollama.url, { method, target: route.probe.path });
      const body = method === 'HEAD' ? '' : '405 method not allowed';
      expect({ method, status: res.status, type: header(res, 'content-type'), allow: header(res, 'allow'), body: res.body }).toEqual({ method, status: 405, type: 'text/plain', allow: route.allow, body });
    }
    expect(ollama.requests().every((e) => !e.stateChanging && e.route === route.id)).toBe(true);
  });

  test('an unknown path is gin\'s plain-text 404, for any method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await rawRequest(ollama.url, { method, target: '/api/oac-nothing-here' });
      expect({ status: res.status, type: header(res, 'content-type'), body: res.body }).toEqual({ status: 404, type: 'text/plain', body: '404 page not found' });
    }
    expect(ollama.requests().map((e) => e.route)).toEqual([null, null, null]);
  });

  test('trailing slash: GET gets 301, POST 307, both to the canonical path with the query kept; no handler runs', async () => {
    const get = await rawRequest(ollama.url, { method: 'GET', target: '/api/tags/?x=1' });
    expect({ status: get.status, location: header(get, 'location'), body: get.body }).toEqual({ status: 301, location: '/api/tags?x=1', body: '<a href="/api/tags?x=1">Moved Permanently</a>.\n\n' });
    const post = await rawRequest(ollama.url, { method: 'POST', target: '/api/pull/', body: `{"model":"${FIXTURE_MODEL}"}` });
    expect({ status: post.status, location: header(post, 'location'), body: post.body }).toEqual({ status: 307, location: '/api/pull', body: '' });
    expect(ollama.requests().map((e) => [e.status, e.stateChanging])).toEqual([[301, false], [307, false]]);
  });

  test('gin puts X-Forwarded-Prefix in front of a trailing-slash redirect', async () => {
    const res = await rawRequest(ollama.url, { method: 'GET', target: '/api/tags/', headers: { 'X-Forwarded-Prefix': '/ollama' } });
    expect(header(res, 'location')).toBe('/ollama/api/tags');
  });

  test('ServeMux cleans the escaped path and Go 1.26 escapes it once more in Location (golang/go#79897)', async () => {
    const res = await rawRequest(ollama.url, { method: 'GET', target: '/%61pi//tags?x=1' });
    expect({ status: res.status, location: header(res, 'location') }).toEqual({ status: 301, location: '/%2561pi/tags?x=1' });
  });

  test('a percent-encoded path reaches the handler', async () => {
    const res = await rawRequest(ollama.url, { method: 'POST', target: '/%61pi/pu%6Cl', body: '{"model":"oac-probe!invalid"}' });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: '{"error":"invalid model name"}' });
    expect(ollama.requests()[0]).toMatchObject({ target: '/%61pi/pu%6Cl', path: '/api/pull', route: 'api-pull' });
  });
});

describe('path spellings (catalogue pathSpellings)', () => {
  test.each(catalogue.pathSpellings.map((s) => [s.id, s] as const))('%s', async (_id, spelling) => {
    const res = await rawRequest(ollama.url, { method: spelling.example.method, target: spelling.example.target });
    expect({ status: res.status, location: header(res, 'location') }).toEqual({ status: spelling.status, location: spelling.location });
    const [entry] = ollama.requests();
    expect(entry!.path).toBe(spelling.outcome === 'bad-request' ? null : spelling.goPath);
    if (spelling.outcome === 'handler') expect(entry!.route).not.toBeNull();
    expect(entry!.stateChanging).toBe(false);
  });
});

describe('method spellings, CORS and the Host check (catalogue methodSpellings, router.cors, router.allowedHosts)', () => {
  test.each(catalogue.methodSpellings.map((s) => [s.id, s] as const))('%s', async (_id, spelling) => {
    const res = await rawRequest(ollama.url, { method: spelling.example.method, target: spelling.example.target, headers: spelling.example.headers ?? {} });
    expect(res.status).toBe(spelling.status);
  });

  test('a lower-case method token reaches gin and gets its 405 (llhttp refuses it; the stand-in answers like Go)', async () => {
    const res = await rawRequest(ollama.url, { method: 'get', target: '/api/tags' });
    expect({ status: res.status, allow: header(res, 'allow'), body: res.body }).toEqual({ status: 405, allow: 'HEAD, GET', body: '405 method not allowed' });
    expect(ollama.requests()[0]).toMatchObject({ method: 'get', route: 'api-tags', status: 405 });
  });

  test('preflight of an allowed origin: 204 with the exact CORS headers, no credentials', async () => {
    const res = await rawRequest(ollama.url, { method: 'OPTIONS', target: '/api/chat', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' } });
    expect(res.status).toBe(catalogue.router.cors.preflight.status);
    for (const [name, value] of Object.entries(catalogue.router.cors.preflight.headers)) {
      expect({ name, value: header(res, name) }).toEqual({ name, value: value === "<the request's Origin>" ? 'http://localhost:3000' : value });
    }
    expect(header(res, 'access-control-allow-credentials')).toBeUndefined();
  });

  test('a foreign origin gets 403 with an empty body on every path, known or not', async () => {
    for (const target of ['/api/tags', '/api/oac-nothing-here']) {
      const res = await rawRequest(ollama.url, { method: 'GET', target, headers: { Origin: 'https://oac-probe.example' } });
      expect({ target, status: res.status, body: res.body, acao: header(res, 'access-control-allow-origin') }).toEqual({ target, status: 403, body: '', acao: undefined });
    }
  });

  test('an allowed origin on a simple request gets Access-Control-Allow-Origin and Vary', async () => {
    const res = await rawRequest(ollama.url, { method: 'GET', target: '/api/version', headers: { Origin: 'app://desktop' } });
    expect({ status: res.status, acao: header(res, 'access-control-allow-origin'), vary: header(res, 'vary') }).toEqual({ status: 200, acao: 'app://desktop', vary: 'Origin' });
  });

  test('a public Host name is refused with 403 (Ollama listening on loopback); localhost names pass', async () => {
    const refused = await rawRequest(ollama.url, { method: 'GET', target: '/api/tags', headers: { Host: 'ollama.example.com' } });
    expect({ status: refused.status, body: refused.body }).toEqual({ status: 403, body: '' });
    const local = await rawRequest(ollama.url, { method: 'GET', target: '/api/tags', headers: { Host: 'ollama.localhost:8443' } });
    expect(local.status).toBe(200);
  });

  test('HTTP/1.1 without Host is refused by net/http', async () => {
    const res = await rawRequest(ollama.url, { method: 'GET', target: '/api/tags', omitHost: true });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: '400 Bad Request: missing required Host header' });
  });
});

describe('acting requests are answered and flagged state-changing', () => {
  const digestBody = 'oac blob';
  const digest = `sha256:${createHash('sha256').update(digestBody).digest('hex')}`;
  const cases: Array<[string, string, string, string, RegExp]> = [
    ['pull of a valid name', 'POST', '/api/pull', '{"model":"oac-probe-valid:latest","stream":false}', /^would pull oac-probe-valid:latest /],
    ['push of any name', 'POST', '/api/push', '{"model":"oac/whatever"}', /^would push/],
    ['create of a valid name', 'POST', '/api/create', '{"model":"oac-new","from":"oac-fixture"}', /^would create oac-new:latest/],
    ['copy of the installed model', 'POST', '/api/copy', `{"source":"${FIXTURE_MODEL}","destination":"oac-copy"}`, /^would copy/],
    ['delete of the installed model', 'DELETE', '/api/delete', `{"model":"${FIXTURE_MODEL}"}`, /^would delete/],
    ['a blob upload', 'POST', `/api/blobs/${digest}`, digestBody, /^would store a 8-byte blob/],
    ['generate with the installed model', 'POST', '/api/generate', `{"model":"${FIXTURE_MODEL}","prompt":"hi"}`, /^would load oac-fixture:latest/],
    ['chat with a :cloud model', 'POST', '/api/chat', '{"model":"gpt-oss:20b:cloud","messages":[]}', /ollama\.com \(spends/],
    ['signout', 'POST', '/api/signout', '', /disconnect the server's key/],
    ['the deprecated key removal', 'DELETE', '/api/user/keys/anything', '', /disconnect/],
    ['whoami', 'POST', '/api/me', '', /ollama\.com/],
    ['web search', 'POST', '/api/experimental/web_search', '{"query":"x"}', /web search .*spends the owner/],
    ['OpenAI chat with the installed model', 'POST', '/v1/chat/completions', `{"model":"${FIXTURE_MODEL}","messages":[{"role":"user","content":"hi"}]}`, /and chat$/],
    ['Anthropic messages with a cloud model', 'POST', '/v1/messages', '{"model":"claude:cloud","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}', /ollama\.com/],
  ];

  test.each(cases)('%s', async (_label, method, target, body, reason) => {
    const res = await rawRequest(ollama.url, { method, target, body, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBeLessThan(500);
    const [entry] = ollama.requests();
    expect({ stateChanging: entry!.stateChanging, reason: entry!.reason }).toEqual({ stateChanging: true, reason: expect.stringMatching(/^would /) });
    expect(entry!.reason).toMatch(reason);
  });

  test('the same routes with a body Ollama rejects do not act', async () => {
    for (const [method, target, body] of [['POST', '/api/pull', ''], ['POST', '/api/generate', '{"model":"oac-probe-missing"}'], ['POST', '/api/experimental/web_search', '  '], ['POST', '/api/copy', '{"source":"oac-probe-missing","destination":"x"}']] as const) {
      await rawRequest(ollama.url, { method, target, body });
    }
    expect(ollama.requests().map((e) => [e.status, e.stateChanging])).toEqual([[400, false], [404, false], [400, false], [404, false]]);
  });
});

describe('the request log', () => {
  test('credentials appear only by shape: Authorization, Cookie, API-key headers and query parameters', async () => {
    const secret = createHash('sha256').update(String(Math.random())).digest('hex');
    await rawRequest(ollama.url, {
      method: 'GET',
      target: `/api/tags?api_key=${secret}&page=2`,
      headers: { Authorization: `Basic ${Buffer.from(`user:${secret}`).toString('base64')}`, Cookie: `session=${secret}`, 'X-API-Key': secret },
    });
    const [entry] = ollama.requests();
    expect(JSON.stringify(entry)).not.toContain(secret);
    expect(JSON.stringify(entry)).not.toContain(Buffer.from(`user:${secret}`).toString('base64'));
    expect(entry).toMatchObject({
      seq: expect.any(Number),
      method: 'GET',
      target: '/api/tags?api_key=<64 chars>&page=2',
      path: '/api/tags',
      bodyBytes: 0,
      route: 'api-tags',
      status: 200,
      stateChanging: false,
      headers: { authorization: 'Basic <92 chars>', cookie: '<72 chars>', 'x-api-key': '<64 chars>' },
    });
  });

  test('clearRequests empties it; seq keeps counting', async () => {
    await rawRequest(ollama.url, { method: 'GET', target: '/' });
    const first = ollama.requests()[0]!.seq;
    ollama.clearRequests();
    expect(ollama.requests()).toEqual([]);
    await rawRequest(ollama.url, { method: 'GET', target: '/' });
    expect(ollama.requests()[0]!.seq).toBe(first + 1);
  });
});

describe('bounded', () => {
  test('a body over the limit gets 413 and the server keeps serving', async () => {
    const small = await createLocalOllama({ bodyLimitBytes: 16 });
    try {
      const declared = await rawRequest(small.url, { method: 'POST', target: '/api/pull', body: 'x'.repeat(17) });
      expect({ status: declared.status, body: declared.body }).toEqual({ status: 413, body: 'request body larger than 16 bytes\n' });
      const chunked = await rawRequest(small.url, { method: 'POST', target: '/api/pull', headers: { 'Transfer-Encoding': 'chunked' }, body: `11\r\n${'x'.repeat(17)}\r\n0\r\n\r\n` });
      expect(chunked.status).toBe(413);
      const after = await rawRequest(small.url, { method: 'GET', target: '/api/version' });
      expect(after.body).toBe('{"version":"0.0.0-oac"}');
      expect(small.requests().map((e) => [e.status, e.stateChanging])).toEqual([[413, false], [413, false], [200, false]]);
    } finally {
      await small.close();
    }
  });

  test('the default limit is 1 MiB; a client sending 2 MiB reads the 413 instead of a reset connection', async () => {
    const res = await rawRequest(ollama.url, { method: 'POST', target: '/api/create', body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
    expect({ status: res.status, body: res.body }).toEqual({ status: 413, body: 'request body larger than 1048576 bytes\n' });
    const ok = await rawRequest(ollama.url, { method: 'POST', target: '/api/create', body: Buffer.alloc(1024 * 1024, 0x20) });
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 400, body: '{"error":"missing request body"}' });
  });

  test('createLocalOllama refuses a negative body limit with a clear error', async () => {
    await expect(createLocalOllama({ bodyLimitBytes: -1 })).rejects.toThrow('bodyLimitBytes must be a non-negative integer, got -1');
  });
});
