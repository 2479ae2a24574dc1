import { afterAll, describe, expect, test } from '@jest/globals';
import { sendRequest } from '../../src/reference/index.js';
import { rejection } from './helpers/expect-error.js';
import { loopbackLookup } from './helpers/oracle.js';
import { ServerPool } from './helpers/registry-server.js';
import { json, startServer } from './helpers/server.js';

const pool = new ServerPool();
afterAll(() => pool.closeAll());

const ok = () => json(200, { ok: true });

describe('sendRequest: what goes on the wire', () => {
  test('path and query reach the server byte for byte (no WHATWG re-encoding or dot-segment removal)', async () => {
    const server = await pool.plain(ok);
    const target = "/v2/a/./b/../c/manifests/x?q='x'&r={y}&s=a+b&scope=repository%3Aa%2Fb%3Apull&t=%7e";
    await sendRequest({ method: 'GET', url: `${server.origin}${target}` });
    expect(server.requests[0]!.target).toBe(target);
    // What WHATWG would have sent instead, to show the test can tell the difference.
    const whatwg = new URL(`${server.origin}${target}`);
    expect(whatwg.pathname + whatwg.search).not.toBe(target);
  });

  test('a path Go would escape is sent as Go sends it (EscapedPath: space → %20, UTF-8 bytes %-encoded)', async () => {
    const server = await pool.plain(ok);
    await sendRequest({ method: 'GET', url: `${server.origin}/a b/caf\u00e9` });
    expect(server.requests[0]!.target).toBe('/a%20b/caf%C3%A9');
  });

  test('Host is the raw authority as written (no case folding), as Go sends URL.Host', async () => {
    const server = await pool.plain(ok);
    await sendRequest({ method: 'GET', url: `http://LOCALHOST:${server.port}/x`, lookup: loopbackLookup });
    expect(server.requests[0]!.headers.host).toBe(`LOCALHOST:${server.port}`);
  });

  test('userinfo never reaches the request line, Host or any header', async () => {
    const server = await pool.plain(ok);
    await sendRequest({ method: 'GET', url: `http://user:s3cret@127.0.0.1:${server.port}/x` });
    const req = server.requests[0]!;
    expect(req.target).toBe('/x');
    expect(req.headers.host).toBe(server.hostPort);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.rawHeaders.join('\n')).not.toContain('s3cret');
  });

  test('the body is sent with Content-Length; a body-less POST sends Content-Length: 0', async () => {
    const server = await pool.plain(ok);
    await sendRequest({ method: 'POST', url: `${server.origin}/a`, body: '{"x":"ü"}' });
    await sendRequest({ method: 'POST', url: `${server.origin}/b` });
    expect(server.requests[0]!.body.toString('utf8')).toBe('{"x":"ü"}');
    expect(server.requests[0]!.headers['content-length']).toBe(String(Buffer.byteLength('{"x":"ü"}')));
    expect(server.requests[1]!.headers['content-length']).toBe('0');
    expect(server.requests[1]!.headers['transfer-encoding']).toBeUndefined();
  });

  test('several WWW-Authenticate lines come back as an array of the raw values', async () => {
    const server = await pool.plain(() => ({ status: 401, headers: { 'WWW-Authenticate': ['Basic realm="a, b"', 'Bearer realm="r",service="s"'] } }));
    const res = await sendRequest({ method: 'GET', url: `${server.origin}/` });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toEqual(['Basic realm="a, b"', 'Bearer realm="r",service="s"']);
  });
});

describe('sendRequest: redirects', () => {
  test('same-origin redirect keeps Authorization', async () => {
    const server = await pool.plain((r) => (r.target === '/start' ? { status: 302, headers: { Location: '/end' } } : ok()));
    const res = await sendRequest({ method: 'GET', url: `${server.origin}/start`, headers: { Authorization: 'Bearer t' } });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${server.origin}/end`);
    expect(res.redirects).toEqual([`${server.origin}/end`]);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer t', 'Bearer t']);
  });

  test('cross-origin redirect drops Authorization and Cookie, keeps other headers, and they stay dropped on the way back', async () => {
    const home = await pool.plain(ok);
    const away = await pool.plain(() => ({ status: 307, headers: { Location: `${home.origin}/back` } }));
    home.handler = (r) => (r.target === '/start' ? { status: 302, headers: { Location: `${away.origin}/away` } } : ok());
    const res = await sendRequest({
      method: 'GET', url: `${home.origin}/start`, headers: { Authorization: 'Bearer secret', Cookie: 'session=1', 'X-Trace': 'keep' },
    });
    expect(res.status).toBe(200);
    expect(res.redirects).toEqual([`${away.origin}/away`, `${home.origin}/back`]);
    expect(away.requests[0]!.headers.authorization).toBeUndefined();
    expect(away.requests[0]!.headers.cookie).toBeUndefined();
    expect(away.requests[0]!.headers['x-trace']).toBe('keep');
    expect(home.requests.map((r) => [r.target, r.headers.authorization])).toEqual([['/start', 'Bearer secret'], ['/back', undefined]]);
  });

  test('a different port is a different origin', async () => {
    const other = await pool.plain(ok);
    const server = await pool.plain(() => ({ status: 301, headers: { Location: `http://127.0.0.1:${other.port}/x` } }));
    await sendRequest({ method: 'GET', url: `${server.origin}/`, headers: { Authorization: 'Bearer t' } });
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  test('303 turns a POST into a body-less GET; 307 repeats method and body', async () => {
    const server = await pool.plain((r) => {
      if (r.target === '/see-other') return { status: 303, headers: { Location: '/result' } };
      if (r.target === '/temporary') return { status: 307, headers: { Location: '/result' } };
      return ok();
    });
    await sendRequest({ method: 'POST', url: `${server.origin}/see-other`, body: 'payload', headers: { 'Content-Type': 'text/plain' } });
    await sendRequest({ method: 'POST', url: `${server.origin}/temporary`, body: 'payload', headers: { 'Content-Type': 'text/plain' } });
    const results = server.requestsTo('/result');
    expect(results.map((r) => [r.method, r.body.toString(), r.headers['content-type']])).toEqual([
      ['GET', '', undefined],
      ['POST', 'payload', 'text/plain'],
    ]);
  });

  test('more than 10 redirects → http/too-many-redirects after 11 requests', async () => {
    const server = await pool.plain((r) => ({ status: 302, headers: { Location: `/hop${Number(r.target.slice(4) || 0) + 1}` } }));
    const err = await rejection(sendRequest({ method: 'GET', url: `${server.origin}/hop0` }), 'http/too-many-redirects');
    expect(err.message).toContain(`GET ${server.origin}/hop0: stopped after 10 redirects`);
    expect(server.requests).toHaveLength(11);
  });

  test('maxRedirects 0 returns the 3xx itself', async () => {
    const server = await pool.plain(() => ({ status: 302, headers: { Location: '/elsewhere' } }));
    const res = await sendRequest({ method: 'GET', url: `${server.origin}/`, maxRedirects: 0 });
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe('/elsewhere');
    expect(res.redirects).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('sendRequest: failures name the request', () => {
  test('no answer within timeoutMs → http/timeout naming the URL', async () => {
    const server = await pool.plain(() => ({ status: 200, hang: true }));
    const err = await rejection(sendRequest({ method: 'GET', url: `${server.origin}/slow`, timeoutMs: 150 }), 'http/timeout');
    expect(err.message).toBe(`GET ${server.origin}/slow: no complete response within 150 ms`);
  });

  test('a stream read with onData may outlast timeoutMs while chunks keep coming; a plain read may not', async () => {
    const server = await pool.plain(() => ({ status: 200, chunks: ['1\n', '2\n', '3\n', '4\n', '5\n'], chunkDelayMs: 60 }));
    const seen: string[] = [];
    const res = await sendRequest({ method: 'GET', url: `${server.origin}/`, timeoutMs: 200, onData: (c) => seen.push(c.toString()) });
    expect(res.body.toString()).toBe('1\n2\n3\n4\n5\n');
    expect(seen.join('')).toBe('1\n2\n3\n4\n5\n');
    const err = await rejection(sendRequest({ method: 'GET', url: `${server.origin}/`, timeoutMs: 200 }), 'http/timeout');
    expect(err.message).toBe(`GET ${server.origin}/: no complete response within 200 ms`);
  });

  test('a stream that stalls → http/timeout saying so', async () => {
    const server = await pool.plain(() => ({ status: 200, chunks: ['{"done":false}\n'], stallAfterChunks: true }));
    const err = await rejection(sendRequest({ method: 'GET', url: `${server.origin}/`, timeoutMs: 150, onData: () => undefined }), 'http/timeout');
    expect(err.message).toBe(`GET ${server.origin}/: the response body stalled for 150 ms`);
  });

  test('connection refused → http/connect "<method> <url>: <errno message>"', async () => {
    const gone = await startServer(ok);
    await gone.close();
    const err = await rejection(sendRequest({ method: 'POST', url: `${gone.origin}/api/chat` }), 'http/connect');
    expect(err.message).toBe(`POST ${gone.origin}/api/chat: connect ECONNREFUSED ${gone.hostPort}`);
    expect(err.cause).toHaveProperty('code', 'ECONNREFUSED');
  });

  test('a password in the URL never appears in an error message', async () => {
    const gone = await startServer(ok);
    await gone.close();
    const err = await rejection(sendRequest({ method: 'GET', url: `http://u:hunter2@${gone.hostPort}/x` }), 'http/connect');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain(`GET http://${gone.hostPort}/x:`);
  });

  test.each([
    ['ftp://127.0.0.1/x', 'expected an http or https URL, got scheme "ftp"'],
    ['/relative/only', 'expected an http or https URL'],
    ['http://127.0.0.1/x?q=a b', 'contains a space, control or non-ASCII character'],
    ['http://127.0.0.1/x?q=caf\u00e9', 'contains a space, control or non-ASCII character'],
  ])('%s → http/bad-url', async (url, fragment) => {
    const err = await rejection(sendRequest({ method: 'GET', url }), 'http/bad-url');
    expect(err.message).toContain(fragment);
  });

  test('a thrown onData aborts the request with that error', async () => {
    const server = await pool.plain(() => ({ status: 200, chunks: ['a\n', 'b\n', 'c\n'] }));
    const boom = new Error('stop reading');
    await expect(sendRequest({ method: 'GET', url: `${server.origin}/`, onData: () => { throw boom; } })).rejects.toBe(boom);
  });
});
