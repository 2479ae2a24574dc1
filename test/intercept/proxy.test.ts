/**
 * What the intercept proxy does with each kind of request, spoken to in raw HTTP over loopback sockets so
 * that nothing but the proxy itself decides: routed names are forwarded with the Host and target as sent,
 * everything else is refused, observed and never contacted.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createInterceptCa } from '../../src/intercept/ca.js';
import { applyInterceptEnvironment, interceptEnvironment } from '../../src/intercept/environment.js';
import { proxyNotUsedMessage, ProxyNotUsedError } from '../../src/intercept/guidance.js';
import { startInterceptProxy } from '../../src/intercept/proxy.js';
import { runProcess } from '../helpers/process.js';
import { startInterceptFixture, stackCommand, type InterceptFixture } from './helpers.js';

let fixture: InterceptFixture;
beforeAll(async () => {
  fixture = await startInterceptFixture();
});
afterAll(async () => {
  await fixture.stop();
});

/** Send raw bytes to the proxy and read until it closes (or until `until` matches). */
function rawExchange(port: number, request: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until?.test(text)) socket.destroy();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

/** CONNECT, then TLS with SNI and our CA, then `requests` in order on the one tunnel (keep-alive). */
function throughTunnel(authority: string, servername: string, requests: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(fixture.proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    socket.once('data', (head) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 200')) {
        reject(new Error(`CONNECT answered ${head.toString('latin1')}`));
        return;
      }
      const tls = tlsConnect({ socket, servername, ca: fixture.ca.caPem });
      const answers: string[] = [];
      let buffer = '';
      const sendNext = (): void => {
        const next = requests[answers.length];
        if (next === undefined) {
          tls.end();
          resolve(answers);
        } else tls.write(next);
      };
      tls.on('secureConnect', sendNext);
      tls.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        const end = buffer.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(buffer);
        if (end !== -1 && length !== null && buffer.length >= end + 4 + Number(length[1])) {
          answers.push(buffer.slice(0, end + 4 + Number(length[1])));
          buffer = buffer.slice(end + 4 + Number(length[1]));
          sendNext();
        }
      });
      tls.on('error', reject);
    });
    socket.on('error', reject);
  });
}

describe('routed names', () => {
  test('requests inside one CONNECT tunnel share the connection and reach the upstream with Host and target as sent', async () => {
    const before = fixture.upstream.received.length;
    const tunnelsBefore = fixture.proxy.counts().tunnels;
    const answers = await throughTunnel('registry.ollama.ai:443', 'registry.ollama.ai', [
      'GET /v2/library/llama3/manifests/latest HTTP/1.1\r\nHost: registry.ollama.ai\r\nX-Oac-Intercept-Scheme: http\r\n\r\n',
      'GET /v2/token?scope=repository%3Alibrary%2Fllama3%3Apull&ts=1 HTTP/1.1\r\nHost: registry.ollama.ai:443\r\nAuthorization: AAAA:BBBB\r\n\r\n',
    ]);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(fixture.proxy.counts().tunnels).toBe(tunnelsBefore + 1);
    const received = fixture.upstream.received.slice(before);
    expect(received.map((r) => [r.host, r.url, r.headers['x-oac-intercept-scheme'], r.headers.authorization])).toEqual([
      // The client's forged marker is dropped: the upstream only ever sees the proxy's.
      ['registry.ollama.ai', '/v2/library/llama3/manifests/latest', 'https', undefined],
      ['registry.ollama.ai:443', '/v2/token?scope=repository%3Alibrary%2Fllama3%3Apull&ts=1', 'https', 'AAAA:BBBB'],
    ]);
  });

  test('an absolute-form http:// request is forwarded in origin form with the http marker', async () => {
    const before = fixture.upstream.received.length;
    const answer = await rawExchange(fixture.proxy.port, 'GET http://ollama.com/api/tags?ts=1 HTTP/1.1\r\nHost: ollama.com\r\nConnection: close\r\n\r\n');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const [received] = fixture.upstream.received.slice(before);
    expect([received.host, received.url, received.headers['x-oac-intercept-scheme']]).toEqual(['ollama.com', '/api/tags?ts=1', 'http']);
  });

  test('an upstream that is down becomes a 502 with a reason, observed', async () => {
    const dir = path.join(fixture.dir, 'second-ca');
    mkdirSync(dir);
    const ca = await createInterceptCa({ dir, hostnames: ['ollama.com'] });
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const proxy = await startInterceptProxy({ routes: [{ hostname: 'ollama.com', upstream: `http://127.0.0.1:${port}` }], ca });
    try {
      const answer = await rawExchange(proxy.port, 'GET http://ollama.com/api/tags HTTP/1.1\r\nHost: ollama.com\r\n\r\n');
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 502 Bad Gateway');
      expect(answer).toContain(`oac intercept proxy: upstream 127.0.0.1:${port} for ollama.com failed: connect ECONNREFUSED 127.0.0.1:${port}\n`);
      expect(proxy.observations().map((o) => o.kind)).toEqual(['upstream-error']);
    } finally {
      await proxy.close();
    }
  });
});

describe('everything else is refused, observed and never contacted', () => {
  test.each([
    ['CONNECT example.org:443', 'example.org is not an intercepted host (only ollama.com, registry.ollama.ai)'],
    ['CONNECT registry.ollama.ai:8443', 'port 8443 of registry.ollama.ai is not intercepted (only 443 for https, 80 for http)'],
    ['CONNECT 127.0.0.1:443', '127.0.0.1:443 is an IP address; intercept mode serves only ollama.com, registry.ollama.ai'],
    ['CONNECT [::1]:443', '[::1]:443 is an IP address; intercept mode serves only ollama.com, registry.ollama.ai'],
  ])('%s → 403 with a one-line reason', async (line, reason) => {
    const before = fixture.upstream.received.length;
    const destination = line.split(' ')[1];
    const answer = await rawExchange(fixture.proxy.port, `${line} HTTP/1.1\r\nHost: ${destination}\r\n\r\n`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(answer.endsWith(`\r\n\r\noac intercept proxy: refused: ${reason}\n`)).toBe(true);
    expect(fixture.observed.at(-1)).toEqual({ kind: 'refused', destination, method: 'CONNECT', reason });
    expect(fixture.upstream.received.length).toBe(before);
  });

  test('a plain request to another host is refused with the shape of its credential, never its value', async () => {
    const signed = `AAAAC3NzaC1lZDI1NTE5AAAAI${'A'.repeat(43)}:${'B'.repeat(86)}==`;
    const answer = await rawExchange(fixture.proxy.port, `GET http://evil.example:8080/v2/token HTTP/1.1\r\nHost: evil.example:8080\r\nAuthorization: ${signed}\r\n\r\n`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(fixture.observed.at(-1)).toEqual({
      kind: 'refused', destination: 'evil.example:8080', method: 'GET', credentialKind: 'ollama-signature', target: '/v2/token',
      reason: 'evil.example is not an intercepted host (only ollama.com, registry.ollama.ai)',
    });
  });

  test('a client that ignores the proxy variables is counted as zero proxy requests', async () => {
    // The direct attempt goes to a loopback port that is not the proxy (curl's guard maps the name there).
    const before = fixture.proxy.counts();
    const { command, args, env } = stackCommand('curl', ['https://ollama.com/api/tags'], fixture, { PATH: process.env.PATH, HOME: fixture.home });
    const run = await runProcess(command, args, { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Failed to connect to ollama.com port 443');
    expect(fixture.proxy.counts().proxyRequests).toBe(before.proxyRequests);
  });
});

describe('environment and guidance', () => {
  test('interceptEnvironment sets every proxy variable in both cases, clears NO_PROXY and names the bundle four times', () => {
    expect(interceptEnvironment('http://127.0.0.1:5', '/w/ca-bundle.pem')).toEqual({
      HTTPS_PROXY: 'http://127.0.0.1:5', https_proxy: 'http://127.0.0.1:5',
      HTTP_PROXY: 'http://127.0.0.1:5', http_proxy: 'http://127.0.0.1:5',
      ALL_PROXY: 'http://127.0.0.1:5', all_proxy: 'http://127.0.0.1:5',
      NO_PROXY: '', no_proxy: '',
      SSL_CERT_FILE: '/w/ca-bundle.pem', NODE_EXTRA_CA_CERTS: '/w/ca-bundle.pem', REQUESTS_CA_BUNDLE: '/w/ca-bundle.pem', CURL_CA_BUNDLE: '/w/ca-bundle.pem',
      NODE_USE_ENV_PROXY: '1',
    });
    const env = applyInterceptEnvironment({ REQUEST_METHOD: 'GET', NO_PROXY: 'ollama.com', KEEP: 'yes' }, 'http://127.0.0.1:5', '/w/b.pem');
    expect([env.REQUEST_METHOD, env.NO_PROXY, env.KEEP]).toEqual([undefined, '', 'yes']);
  });

  test('the proxy-not-used error names the command, the proxy and what each stack needs', () => {
    const error = new ProxyNotUsedError('python -m myrouter list-models', 'http://127.0.0.1:5');
    expect(error.code).toBe('intercept/proxy-not-used');
    expect(error.message).toBe(proxyNotUsedMessage('python -m myrouter list-models', 'http://127.0.0.1:5'));
    expect(error.message.split('\n')[0]).toBe('the client did not use the proxy: no request reached the intercept proxy at http://127.0.0.1:5 while running python -m myrouter list-models.');
    for (const stack of ['Go net/http:', 'Python requests:', 'Python httpx:', 'curl:', 'Node:']) expect(error.message).toContain(`\n  - ${stack}`);
  });

  test('routes must point at a loopback http origin and a name the CA has a certificate for', async () => {
    await expect(startInterceptProxy({ routes: [{ hostname: 'ollama.com', upstream: 'http://ollama.com:80' }], ca: fixture.ca }))
      .rejects.toThrow('the upstream of ollama.com must be a loopback http origin such as "http://127.0.0.1:8080", got "http://ollama.com:80"');
    await expect(startInterceptProxy({ routes: [{ hostname: 'api.ollama.com', upstream: fixture.upstream.origin }], ca: fixture.ca }))
      .rejects.toThrow('the per-run CA has no certificate for api.ollama.com: pass it to createInterceptCa({ hostnames })');
    await expect(createInterceptCa({ dir: fixture.dir, hostnames: ['127.0.0.1'] }))
      .rejects.toThrow('expected a lower-case DNS host name such as "ollama.com" to intercept, got "127.0.0.1"');
  });
});
