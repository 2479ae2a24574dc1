/**
 * The reference client through a proxy, on loopback only: an in-test CONNECT proxy (node:http 'connect')
 * that dials 127.0.0.1 itself whatever name it is asked for (nothing is resolved), in front of an in-test
 * TLS server whose certificate names registry.ollama.ai. The proxy URL and its credentials come from the
 * environment record the request carries (`proxyEnv`), exactly as `oac client` reads process.env.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { sendRequest } from '../../src/reference/index.js';
import { rejection } from './helpers/expect-error.js';
import { makeTestPki, type TestPki } from './helpers/pki.js';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  servername: string | false | null | undefined;
}

interface ProxySeen {
  /** The request line target: `host:port` for CONNECT, the absolute URL for a forwarded request. */
  method: string;
  url: string;
  host: string | undefined;
  proxyAuthorization: string | undefined;
}

let pki: TestPki;
let target: https.Server;
let targetPort: number;
const targetSeen: Seen[] = [];
/** What the proxy answers to CONNECT: a status line, or undefined for 200 and a tunnel to the target. */
let connectAnswer: string | undefined;
/** Never answer CONNECT (timeout test). */
let connectHangs = false;
let proxy: http.Server;
let proxyUrl: string;
const proxySeen: ProxySeen[] = [];
const openSockets = new Set<Duplex>();

function track(socket: Duplex): void {
  openSockets.add(socket);
  socket.on('close', () => openSockets.delete(socket));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A plain http server on 127.0.0.1 that is a CONNECT proxy and a forwarding proxy, both to 127.0.0.1 only. */
function startProxy(tls?: { key: string; cert: string }): http.Server {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    proxySeen.push({ method: req.method!, url: req.url!, host: req.headers.host, proxyAuthorization: req.headers['proxy-authorization'] });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`forwarded ${req.url}`);
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.on('connection', track);
  server.on('secureConnection', track);
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    proxySeen.push({ method: req.method!, url: req.url!, host: req.headers.host, proxyAuthorization: req.headers['proxy-authorization'] });
    if (connectHangs) return;
    if (connectAnswer !== undefined) {
      client.end(`HTTP/1.1 ${connectAnswer}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // Whatever name was asked for, the tunnel goes to the loopback target: nothing is resolved.
    const upstream = net.connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return server;
}

beforeAll(async () => {
  pki = makeTestPki();
  target = https.createServer({ key: pki.serverKey, cert: pki.serverCert }, (req, res) => {
    targetSeen.push({ method: req.method!, url: req.url!, host: req.headers.host, servername: (req.socket as TLSSocket).servername });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  target.on('secureConnection', track);
  targetPort = await listen(target);
  proxy = startProxy();
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

function reset(): void {
  targetSeen.length = 0;
  proxySeen.length = 0;
  connectAnswer = undefined;
  connectHangs = false;
}

const MANIFEST_URL = 'https://registry.ollama.ai/v2/library/llama3/manifests/latest';

describe('https through an http:// proxy: CONNECT, then TLS to the target inside the tunnel', () => {
  test('the request reaches the server with the target\'s Host, request target and TLS server name', async () => {
    reset();
    const res = await sendRequest({ method: 'GET', url: MANIFEST_URL, tls: { ca: pki.caCert }, proxyEnv: { HTTPS_PROXY: proxyUrl } });
    expect(res.status).toBe(200);
    expect(res.url).toBe(MANIFEST_URL);
    expect(proxySeen).toEqual([{ method: 'CONNECT', url: 'registry.ollama.ai:443', host: 'registry.ollama.ai:443', proxyAuthorization: undefined }]);
    expect(targetSeen).toEqual([{ method: 'GET', url: '/v2/library/llama3/manifests/latest', host: 'registry.ollama.ai', servername: 'registry.ollama.ai' }]);
  });

  test('the certificate is checked against the target\'s name, never the proxy\'s: a name it does not cover fails', async () => {
    reset();
    const err = await rejection(sendRequest({ method: 'GET', url: 'https://wrong.test/x', tls: { ca: pki.caCert }, proxyEnv: { HTTPS_PROXY: proxyUrl } }), 'http/tls');
    expect(err.message).toBe("GET https://wrong.test/x: TLS handshake failed: Hostname/IP does not match certificate's altnames: Host: wrong.test. is not in the cert's altnames: IP Address:127.0.0.1, DNS:localhost, DNS:registry.ollama.ai, DNS:ollama.com, DNS:registry.test; the server certificate is not trusted for this host (pass tls.ca with the CA that signed it)");
    expect(proxySeen.map((s) => s.url)).toEqual(['wrong.test:443']);
    expect(targetSeen).toEqual([]);
  });

  test('without the CA the target\'s certificate is refused inside the tunnel too', async () => {
    reset();
    const err = await rejection(sendRequest({ method: 'GET', url: MANIFEST_URL, proxyEnv: { HTTPS_PROXY: proxyUrl } }), 'http/tls');
    expect(err.message).toBe(`GET ${MANIFEST_URL}: TLS handshake failed: unable to verify the first certificate; the server certificate is not trusted for this host (pass tls.ca with the CA that signed it)`);
  });

  test('credentials in the proxy URL become Proxy-Authorization: Basic on the CONNECT, and never reach the target', async () => {
    reset();
    const password = randomBytes(9).toString('base64url');
    await sendRequest({ method: 'GET', url: MANIFEST_URL, tls: { ca: pki.caCert }, proxyEnv: { HTTPS_PROXY: `http://alice:${password}@127.0.0.1:${new URL(proxyUrl).port}` } });
    expect(proxySeen[0]!.proxyAuthorization).toBe(`Basic ${Buffer.from(`alice:${password}`).toString('base64')}`);
    expect(targetSeen).toHaveLength(1);
  });

  test('407 from the proxy: the error names the proxy and its status line, and never shows the credentials', async () => {
    reset();
    connectAnswer = '407 Proxy Authentication Required';
    const password = randomBytes(9).toString('base64url');
    const withCredentials = `http://alice:${password}@127.0.0.1:${new URL(proxyUrl).port}`;
    const err = await rejection(sendRequest({ method: 'GET', url: MANIFEST_URL, tls: { ca: pki.caCert }, proxyEnv: { HTTPS_PROXY: withCredentials } }), 'http/proxy');
    expect(err.message).toBe(`GET ${MANIFEST_URL}: the proxy ${proxyUrl} (HTTPS_PROXY) refused CONNECT registry.ollama.ai:443: expected 200, got "407 Proxy Authentication Required"; it did not accept the credentials in HTTPS_PROXY`);
    expect(err.message).not.toContain(password);
    expect(err.message).not.toContain('alice');
    const without = await rejection(sendRequest({ method: 'GET', url: MANIFEST_URL, proxyEnv: { https_proxy: proxyUrl } }), 'http/proxy');
    expect(without.message).toBe(`GET ${MANIFEST_URL}: the proxy ${proxyUrl} (https_proxy) refused CONNECT registry.ollama.ai:443: expected 200, got "407 Proxy Authentication Required"; the proxy wants credentials: put them in https_proxy as http://user:password@host:port`);
    expect(targetSeen).toEqual([]);
  });

  test('502 from the proxy: the exact error', async () => {
    reset();
    connectAnswer = '502 Bad Gateway';
    const err = await rejection(sendRequest({ method: 'GET', url: MANIFEST_URL, proxyEnv: { HTTPS_PROXY: proxyUrl } }), 'http/proxy');
    expect(err.message).toBe(`GET ${MANIFEST_URL}: the proxy ${proxyUrl} (HTTPS_PROXY) refused CONNECT registry.ollama.ai:443: expected 200, got "502 Bad Gateway"`);
  });

  test('a proxy nobody listens on: proxyconnect, naming the proxy', async () => {
    reset();
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await rejection(sendRequest({ method: 'GET', url: MANIFEST_URL, proxyEnv: { HTTPS_PROXY: `127.0.0.1:${port}` } }), 'http/proxy');
    expect(err.message).toBe(`GET ${MANIFEST_URL}: proxyconnect tcp: cannot reach the proxy http://127.0.0.1:${port} (HTTPS_PROXY): connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test('a proxy that never answers CONNECT: the request times out and leaves nothing open', async () => {
    reset();
    connectHangs = true;
    const err = await rejection(sendRequest({ method: 'GET', url: MANIFEST_URL, timeoutMs: 200, proxyEnv: { HTTPS_PROXY: proxyUrl } }), 'http/timeout');
    expect(err.message).toBe(`GET ${MANIFEST_URL}: no complete response within 200 ms`);
  });
});

describe('http through a proxy: an absolute-form request', () => {
  test('GET http://… goes to the proxy with the absolute URL, the target\'s Host and Proxy-Authorization', async () => {
    reset();
    const password = randomBytes(9).toString('base64url');
    const res = await sendRequest({
      method: 'GET', url: 'http://registry.ollama.ai/v2/library/llama3/manifests/latest?x=1',
      proxyEnv: { HTTP_PROXY: `http://bob:${password}@127.0.0.1:${new URL(proxyUrl).port}` },
    });
    expect(res.body.toString()).toBe('forwarded http://registry.ollama.ai/v2/library/llama3/manifests/latest?x=1');
    expect(proxySeen).toEqual([{
      method: 'GET', url: 'http://registry.ollama.ai/v2/library/llama3/manifests/latest?x=1', host: 'registry.ollama.ai',
      proxyAuthorization: `Basic ${Buffer.from(`bob:${password}`).toString('base64')}`,
    }]);
  });

  test('a forwarding proxy nobody listens on: the connection error names the proxy', async () => {
    reset();
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await rejection(sendRequest({ method: 'GET', url: 'http://registry.ollama.ai/x', proxyEnv: { http_proxy: `127.0.0.1:${port}` } }), 'http/connect');
    expect(err.message).toBe(`GET http://registry.ollama.ai/x: through the proxy http://127.0.0.1:${port} (http_proxy): connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test('CGI: REQUEST_METHOD set and HTTP_PROXY for an http URL is refused before anything is sent', async () => {
    reset();
    const err = await rejection(sendRequest({ method: 'GET', url: 'http://registry.ollama.ai/x', proxyEnv: { HTTP_PROXY: proxyUrl, REQUEST_METHOD: 'POST' } }), 'http/proxy-config');
    expect(err.message).toBe(`GET http://registry.ollama.ai/x: HTTP_PROXY=${proxyUrl}: refusing to use HTTP_PROXY value in CGI environment (REQUEST_METHOD is set); see golang.org/s/cgihttpproxy`);
    expect(proxySeen).toEqual([]);
  });
});

describe('what bypasses the proxy', () => {
  test('loopback is never proxied, even with NO_PROXY empty', async () => {
    reset();
    const res = await sendRequest({ method: 'GET', url: `https://127.0.0.1:${targetPort}/direct`, tls: { ca: pki.caCert }, proxyEnv: { HTTPS_PROXY: proxyUrl, NO_PROXY: '' } });
    expect(res.status).toBe(200);
    expect(proxySeen).toEqual([]);
    expect(targetSeen.map((s) => s.url)).toEqual(['/direct']);
  });

  test('proxyEnv: false, connectTo or lookup: the caller chose where to dial, so no proxy', async () => {
    reset();
    const connectTo = (): { host: string; port: number } => ({ host: '127.0.0.1', port: targetPort });
    const res = await sendRequest({ method: 'GET', url: MANIFEST_URL, tls: { ca: pki.caCert }, connectTo, proxyEnv: { HTTPS_PROXY: proxyUrl } });
    expect(res.status).toBe(200);
    expect(proxySeen).toEqual([]);
  });
});

describe('an https:// proxy', () => {
  test('TLS to the proxy (checked against the proxy\'s name), CONNECT, then TLS to the target inside', async () => {
    reset();
    const tlsProxy = startProxy({ key: pki.serverKey, cert: pki.serverCert });
    const port = await listen(tlsProxy);
    try {
      const res = await sendRequest({ method: 'GET', url: MANIFEST_URL, tls: { ca: pki.caCert }, proxyEnv: { HTTPS_PROXY: `https://127.0.0.1:${port}` } });
      expect(res.status).toBe(200);
      expect(proxySeen.map((s) => `${s.method} ${s.url}`)).toEqual(['CONNECT registry.ollama.ai:443']);
      expect(targetSeen.map((s) => [s.host, s.servername])).toEqual([['registry.ollama.ai', 'registry.ollama.ai']]);
    } finally {
      for (const socket of openSockets) socket.destroy();
      await new Promise<void>((resolve) => tlsProxy.close(() => resolve()));
    }
  });
});
