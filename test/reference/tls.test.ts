import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { keyFromSeed, TEST_SEED } from '../../src/keys/index.js';
import {
  apiKeyRequest, basicRequest, chat, listTags, registryRequest, sendRequest, signedRequest, whoami, type TlsOptions,
} from '../../src/reference/index.js';
import { rejection } from './helpers/expect-error.js';
import { loopbackLookup, verifyOllamaAuthorization } from './helpers/oracle.js';
import { makeTestPki, type TestPki } from './helpers/pki.js';
import { ServerPool, TOKEN } from './helpers/registry-server.js';
import { json, type Recorded, type Reply, type TestServer } from './helpers/server.js';

const key = keyFromSeed(TEST_SEED);
const pool = new ServerPool();
let pki: TestPki;
let https1: TestServer;

beforeAll(async () => {
  pki = makeTestPki();
  https1 = await pool.plain(() => json(200, { ok: true }), { key: pki.serverKey, cert: pki.serverCert });
});
afterAll(() => pool.closeAll());

describe('TLS options', () => {
  test('a custom CA makes an https request succeed, for the IP and for a name (checked against the certificate)', async () => {
    const byIp = await sendRequest({ method: 'GET', url: `${https1.origin}/ip`, tls: { ca: pki.caCert } });
    const byName = await sendRequest({ method: 'GET', url: `https://registry.test:${https1.port}/name`, tls: { ca: pki.caCert }, lookup: loopbackLookup });
    expect([byIp.status, byName.status]).toEqual([200, 200]);
  });

  test('without the CA the certificate is refused (never silently trusted) → http/tls', async () => {
    const err = await rejection(sendRequest({ method: 'GET', url: `${https1.origin}/` }), 'http/tls');
    expect(err.message).toContain(`GET ${https1.origin}/: TLS handshake failed`);
    expect(err.message).toContain('pass tls.ca');
    expect(https1.requestsTo('/').filter((r) => r.target === '/')).toHaveLength(0);
  });

  test('trusting another CA is not enough → http/tls', async () => {
    await rejection(sendRequest({ method: 'GET', url: `${https1.origin}/`, tls: { ca: pki.otherCaCert } }), 'http/tls');
  });

  test('a name the certificate does not cover → http/tls', async () => {
    const err = await rejection(
      sendRequest({ method: 'GET', url: `https://wrong.test:${https1.port}/`, tls: { ca: pki.caCert }, lookup: loopbackLookup }),
      'http/tls',
    );
    expect(err.message).toContain("wrong.test");
  });

  test('rejectUnauthorized: false is an explicit opt-out', async () => {
    const res = await sendRequest({ method: 'GET', url: `${https1.origin}/insecure`, tls: { rejectUnauthorized: false } });
    expect(res.status).toBe(200);
  });

  test('minVersion TLSv1.3 against a server that stops at TLSv1.2 → http/tls saying so', async () => {
    const old = await pool.plain(() => json(200, {}), { key: pki.serverKey, cert: pki.serverCert, maxVersion: 'TLSv1.2' });
    const plain = await sendRequest({ method: 'GET', url: `${old.origin}/`, tls: { ca: pki.caCert } });
    expect(plain.status).toBe(200);
    const err = await rejection(sendRequest({ method: 'GET', url: `${old.origin}/`, tls: { ca: pki.caCert, minVersion: 'TLSv1.3' } }), 'http/tls');
    expect(err.message).toContain('does not offer TLSv1.3 or later');
    expect(old.requests).toHaveLength(1);
  });

  test('mTLS: with the client certificate the request succeeds; without it the server never sees a request', async () => {
    const mtls = await pool.plain(() => json(200, { ok: true }), { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requireClientCert: true });
    const res = await sendRequest({ method: 'GET', url: `${mtls.origin}/`, tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } });
    expect(res.status).toBe(200);
    const err = await rejection(sendRequest({ method: 'GET', url: `${mtls.origin}/`, tls: { ca: pki.caCert } }), 'http/tls');
    expect(err.message).toContain('client certificate');
    expect(mtls.requests).toHaveLength(1);
  });
});

describe('every flow over mTLS with a custom CA', () => {
  let server: TestServer;
  let tls: TlsOptions;

  const handler = (req: Recorded): Reply => {
    const auth = req.headers.authorization;
    if (req.target.startsWith('/v2/token')) return json(200, { token: TOKEN });
    if (req.target.startsWith('/v2/')) {
      return auth === `Bearer ${TOKEN}` ? json(200, { manifest: true })
        : { status: 401, headers: { 'WWW-Authenticate': `Bearer realm="${server.origin}/v2/token",service="svc",scope="repository:a/b:pull"` } };
    }
    const path = req.target.split('?')[0];
    if (path === '/api/chat' || path === '/api/me' || path === '/api/tags') {
      const ok = verifyOllamaAuthorization(auth, `${req.method},${req.target}`).ok;
      return ok ? json(200, path === '/api/chat' ? { message: { role: 'assistant', content: 'hi' }, done: true } : { ok: true }) : json(401, { error: 'unauthorized' });
    }
    if (path === '/v1/models') return auth === 'Bearer api-key-123' ? json(200, { data: [] }) : json(401, { error: 'unauthorized' });
    if (path === '/basic') return auth === `Basic ${Buffer.from('u:p').toString('base64')}` ? json(200, {}) : { status: 401 };
    return { status: 404 };
  };

  beforeAll(async () => {
    server = await pool.plain(handler, { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requireClientCert: true });
    tls = { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, minVersion: 'TLSv1.3' };
  });

  test('registry', async () => {
    const result = await registryRequest({ url: `${server.origin}/v2/a/b/manifests/latest`, key, http: { tls } });
    expect(result.response.status).toBe(200);
  });

  test('direct: whoami, listTags (Bearer form), chat, request-uri flavour', async () => {
    expect((await whoami(server.origin, key, { http: { tls } })).response.status).toBe(200);
    expect((await listTags(server.origin, key, { http: { tls }, headerForm: 'bearer' })).response.status).toBe(200);
    expect((await chat(server.origin, key, { model: 'm', messages: [], stream: false }, { http: { tls } })).messages).toHaveLength(1);
    expect((await signedRequest({ baseUrl: server.origin, method: 'GET', path: '/api/tags?x=1', flavour: 'request-uri', key, http: { tls } })).response.status).toBe(200);
  });

  test('API key', async () => {
    const result = await apiKeyRequest({ baseUrl: server.origin, method: 'GET', path: '/v1/models', apiKey: 'api-key-123', allowedOrigins: [server.origin], http: { tls } });
    expect(result.response.status).toBe(200);
  });

  test('Basic', async () => {
    const result = await basicRequest({ url: `https://u:p@${server.hostPort}`, path: '/basic', http: { tls } });
    expect(result.response.status).toBe(200);
  });

  test('the same flow without the client certificate fails before any request', async () => {
    const before = server.requests.length;
    await rejection(registryRequest({ url: `${server.origin}/v2/a/b/manifests/latest`, key, http: { tls: { ca: pki.caCert } } }), 'http/tls');
    expect(server.requests.length).toBe(before);
  });
});
