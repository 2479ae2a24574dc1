import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { apiKeyRequest, basicRequest } from '../../src/reference/index.js';
import { rejection } from './helpers/expect-error.js';
import { connectAllTo, loopbackLookup } from './helpers/oracle.js';
import { makeTestPki, type TestPki } from './helpers/pki.js';
import { ServerPool } from './helpers/registry-server.js';
import { json, type Recorded, type Reply } from './helpers/server.js';

const API_KEY = 'a1b2c3d4e5f6.test-api-key-not-real';
const pool = new ServerPool();
let pki: TestPki;

beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pool.closeAll());

const wantsKey = (req: Recorded): Reply =>
  req.headers.authorization === `Bearer ${API_KEY}` ? json(200, { models: [] }) : json(401, { error: 'unauthorized' });

describe('API key', () => {
  test('sends Authorization: Bearer <key> to an allowed origin, with the body as JSON', async () => {
    const server = await pool.plain(wantsKey);
    const result = await apiKeyRequest({
      baseUrl: server.origin, method: 'POST', path: '/api/chat', body: '{"model":"m"}', apiKey: API_KEY, allowedOrigins: [server.origin],
    });
    expect(result.response.status).toBe(200);
    const req = server.requests[0]!;
    expect([req.method, req.target, req.headers['content-type'], req.body.toString()]).toEqual(['POST', '/api/chat', 'application/json', '{"model":"m"}']);
    expect(result.exchange.sentHeaders['Authorization']).toBe(`Bearer <token: ${API_KEY.length} chars>`);
  });

  test('by default only https://ollama.com gets the key (origin compared after WHATWG normalisation)', async () => {
    const server = await pool.plain(wantsKey, { key: pki.serverKey, cert: pki.serverCert });
    const result = await apiKeyRequest({
      baseUrl: 'https://OLLAMA.com:443', method: 'GET', path: '/api/tags', apiKey: API_KEY,
      http: { tls: { ca: pki.caCert }, connectTo: connectAllTo(server.port), lookup: loopbackLookup },
    });
    expect(result.response.status).toBe(200);
    expect(server.requests[0]!.headers.host).toBe('OLLAMA.com:443');
  });

  test('a non-allowed origin is refused and the server sees nothing', async () => {
    const server = await pool.plain(wantsKey);
    const err = await rejection(apiKeyRequest({ baseUrl: server.origin, method: 'GET', path: '/api/tags', apiKey: API_KEY }), 'apikey/origin-not-allowed');
    expect(err.message).toBe(`refusing to send OLLAMA_API_KEY to ${server.origin}: only https://ollama.com (pass allowedOrigins to widen)`);
    expect(err.message).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(0);
  });

  test.each([
    ['http://ollama.com', 'plain http'],
    ['https://ollama.com.evil.test', 'a look-alike host'],
    ['https://ollama.com:8443', 'another port'],
  ])('%s (%s) is not https://ollama.com', async (baseUrl) => {
    await rejection(apiKeyRequest({ baseUrl, method: 'GET', path: '/api/tags', apiKey: API_KEY, http: { lookup: loopbackLookup } }), 'apikey/origin-not-allowed');
  });

  test.each([[''], ['   '], ['\t\n']])('an empty key %j is refused before any I/O (never "Bearer ")', async (apiKey) => {
    const server = await pool.plain(wantsKey);
    const err = await rejection(apiKeyRequest({ baseUrl: server.origin, method: 'GET', path: '/', apiKey, allowedOrigins: [server.origin] }), 'apikey/empty');
    expect(err.message).toContain('OLLAMA_API_KEY is empty');
    expect(server.requests).toHaveLength(0);
  });

  test('a key with a trailing newline is refused, not sent', async () => {
    const server = await pool.plain(wantsKey);
    const err = await rejection(apiKeyRequest({ baseUrl: server.origin, method: 'GET', path: '/', apiKey: `${API_KEY}\n`, allowedOrigins: [server.origin] }), 'apikey/invalid');
    expect(err.message).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(0);
  });

  test('401 → apikey/unauthorized "<status>: <error>"', async () => {
    const server = await pool.plain(wantsKey);
    const err = await rejection(apiKeyRequest({ baseUrl: server.origin, method: 'GET', path: '/', apiKey: 'wrong', allowedOrigins: [server.origin] }), 'apikey/unauthorized');
    expect(err.message).toBe('401: unauthorized');
  });

  test('a redirect to another origin does not carry the key', async () => {
    const other = await pool.plain(wantsKey);
    const server = await pool.plain(() => ({ status: 307, headers: { Location: `${other.origin}/api/tags` } }));
    const err = await rejection(apiKeyRequest({ baseUrl: server.origin, method: 'GET', path: '/api/tags', apiKey: API_KEY, allowedOrigins: [server.origin] }), 'apikey/unauthorized');
    expect(err.status).toBe(401);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('Basic', () => {
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;

  test('credentials from userinfo are percent-decoded; the userinfo is not in the request line or Host', async () => {
    const server = await pool.plain(() => json(200, {}));
    const result = await basicRequest({ url: `http://al%69ce:p%40ss%3Aw%C3%B6rd@${server.hostPort}`, path: '/v2/' });
    const req = server.requests[0]!;
    expect(req.headers.authorization).toBe(basic('alice', 'p@ss:wörd'));
    expect(req.target).toBe('/v2/');
    expect(req.headers.host).toBe(server.hostPort);
    expect(req.rawHeaders.join('\n')).not.toMatch(/p%40ss|al%69ce@/);
    expect(result.url).toBe(`${server.origin}/v2/`);
  });

  test('explicit username/password win over userinfo', async () => {
    const server = await pool.plain(() => json(200, {}));
    await basicRequest({ url: `http://alice:old@${server.hostPort}/v2/`, username: 'bob', password: 'new' });
    expect(server.requests[0]!.headers.authorization).toBe(basic('bob', 'new'));
  });

  test('no credentials at all → basic/no-credentials before any I/O', async () => {
    const server = await pool.plain(() => json(200, {}));
    const err = await rejection(basicRequest({ url: `${server.origin}/v2/` }), 'basic/no-credentials');
    expect(err.message).toContain('pass username/password or put user:pass@ in the URL');
    expect(server.requests).toHaveLength(0);
  });

  test('401 → basic/unauthorized "<status>: <body>"', async () => {
    const server = await pool.plain(() => ({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="r"' }, body: 'bad credentials' }));
    const err = await rejection(basicRequest({ url: `http://u:p@${server.hostPort}/` }), 'basic/unauthorized');
    expect(err.message).toBe('401: bad credentials');
  });

  test('a redirect to another origin drops the credentials', async () => {
    const other = await pool.plain(() => json(200, {}));
    const server = await pool.plain(() => ({ status: 302, headers: { Location: `${other.origin}/blob` } }));
    await basicRequest({ url: `http://u:p@${server.hostPort}/v2/` });
    expect(server.requests[0]!.headers.authorization).toBe(basic('u', 'p'));
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });
});
