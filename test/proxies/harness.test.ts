/**
 * test/helpers/proxies.ts itself: the TLS material it makes, the credentials it hashes, how it starts
 * and stops real servers, and the errors a test author sees when a configuration or an option is wrong.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { caddyPasswordHash, htpasswdLine, leftovers, makeTlsMaterial, startCaddy, startNginx, type TlsMaterial } from '../helpers/proxies.js';
import { runProcess } from '../helpers/process.js';
import { send } from './http-client.js';
import { startBackend, type Backend } from './backend.js';

let tls: TlsMaterial;
let backend: Backend;
beforeAll(async () => {
  [tls, backend] = await Promise.all([makeTlsMaterial(), startBackend()]);
});
afterAll(async () => {
  await Promise.all([tls?.remove(), backend?.close()]);
});

const pem = (file: string) => new X509Certificate(readFileSync(file));

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('makeTlsMaterial', () => {
  test('the server certificate is for 127.0.0.1 and localhost, signed by the CA, valid now', () => {
    const ca = pem(tls.caCert);
    const server = pem(tls.serverCert);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(Date.parse(server.validFrom)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(server.validTo)).toBeGreaterThan(Date.now() + 24 * 3600_000);
    expect(ca.ca).toBe(true);
  });

  test('the expired and wrong-host certificates are wrong in exactly that way', () => {
    const ca = pem(tls.caCert);
    const expired = pem(tls.expiredCert);
    expect(expired.verify(ca.publicKey)).toBe(true);
    expect(expired.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(Date.parse(expired.validTo)).toBeLessThan(Date.now());
    const wrongHost = pem(tls.wrongHostCert);
    expect(wrongHost.verify(ca.publicKey)).toBe(true);
    expect(wrongHost.checkIP('127.0.0.1')).toBeUndefined();
    expect(wrongHost.checkHost('ollama.example.org')).toBe('ollama.example.org');
  });

  test('the client certificate is signed by the client CA, the foreign one is not', () => {
    const clientCa = pem(tls.clientCaCert);
    expect(pem(tls.clientCert).verify(clientCa.publicKey)).toBe(true);
    expect(pem(tls.foreignClientCert).verify(clientCa.publicKey)).toBe(false);
    expect(pem(tls.clientCert).keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
  });

  test('remove() deletes the directory', async () => {
    const other = await makeTlsMaterial();
    expect(existsSync(other.serverKey)).toBe(true);
    await other.remove();
    expect(existsSync(other.dir)).toBe(false);
  });
});

describe('credentials', () => {
  test('htpasswdLine makes an apr1 line that openssl verifies with the same salt', async () => {
    const line = await htpasswdLine('alice', 'pw with spaces');
    expect(line).toMatch(/^alice:\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/);
    const salt = line.split('$')[2];
    const again = await runProcess('openssl', ['passwd', '-apr1', '-salt', salt, 'pw with spaces']);
    expect(`alice:${again.stdout.trim()}`).toBe(line);
  });

  test('the Basic user is refused when it could not be written into htpasswd or a Caddyfile', async () => {
    await expect(htpasswdLine('al:ice', 'x')).rejects.toThrow('proxies: the Basic user must be non-empty without whitespace or \':\' (got "al:ice")');
  });

  test('caddyPasswordHash: bcrypt at cost 4 by default (cost 14, `caddy hash-password`, is tested with Caddy below)', async () => {
    expect(await caddyPasswordHash('secret')).toMatch(/^\$2y\$04\$[./0-9A-Za-z]{53}$/);
  });
});

const SITE = `server {
    listen 8443;
    location / { proxy_pass http://127.0.0.1:11434; }
}
`;

describe('startNginx / startCaddy', () => {
  test('nginx: starts on a free loopback port in a dir its worker can read, proxies to the backend, stop() cleans up', async () => {
    const proxy = await startNginx(SITE, { backend: backend.url });
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
    expect(statSync(proxy.dir).mode & 0o777).toBe(0o755);
    const answer = await send(proxy.url, { path: '/api/version' });
    expect(answer.ok && answer.status).toBe(200);
    expect(backend.requests().at(-1)).toMatchObject({ method: 'GET', target: '/api/version' });
    await proxy.stop();
    expect(existsSync(proxy.dir)).toBe(false);
    expect(await portIsClosed(proxy.port)).toBe(true);
    expect(leftovers()).toEqual([tls.dir]);
    await proxy.stop(); // idempotent
  });

  test('nginx: a bad configuration fails with nginx\'s own error, and leaves nothing behind', async () => {
    const error = await startNginx(`${SITE}\nnot_a_directive on;\n`, { backend: backend.url, name: 'broken.conf' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('proxies: the nginx configuration broken.conf did not start (exit code 1, signal null); its log:');
    expect((error as Error).message).toContain('unknown directive "not_a_directive"');
    expect(leftovers()).toEqual([tls.dir]);
  });

  test('caddy: Caddy 2.6 with the harness globals; a bad Caddyfile fails with Caddy\'s error', async () => {
    const proxy = await startCaddy(':8443 {\n\treverse_proxy 127.0.0.1:11434\n}\n', { backend: backend.url });
    const answer = await send(proxy.url, { path: '/api/version' });
    expect(answer.ok && answer.status).toBe(200);
    expect(readFileSync(`${proxy.dir}/Caddyfile`, 'utf8')).toMatch(/^\{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127\.0\.0\.1\n\}/);
    await proxy.stop();
    expect(existsSync(proxy.dir)).toBe(false);

    const error = await startCaddy(':8443 {\n\tnot_a_directive\n}\n', { backend: backend.url, name: 'broken.Caddyfile' }).catch((e: Error) => e);
    expect((error as Error).message).toContain('proxies: the caddy configuration broken.Caddyfile did not start');
    expect((error as Error).message).toContain('unrecognized directive: not_a_directive');
  });

  test('caddy: a real `caddy hash-password` hash (cost 14) works as the examples tell users', async () => {
    const proxy = await startCaddy(readFileSync('examples/proxies/caddy/basic.Caddyfile', 'utf8'), {
      backend: backend.url,
      tls,
      basic: { user: 'alice', password: 'generated-now' },
      caddyHashCost: 'caddy',
    });
    try {
      expect(readFileSync(`${proxy.dir}/Caddyfile`, 'utf8')).toMatch(/^\t\talice \$2a\$14\$[./0-9A-Za-z]{53}$/m);
      const answer = await send(proxy.url, { path: '/api/version', ca: tls.caCert, headers: { authorization: `Basic ${Buffer.from('alice:generated-now').toString('base64')}` } });
      expect(answer.ok && answer.status).toBe(200);
    } finally {
      await proxy.stop();
    }
  });

  test('options a configuration needs but the caller did not give are named, before any server or dir exists', async () => {
    const basic = readFileSync('examples/proxies/nginx/basic.conf', 'utf8');
    await expect(startNginx(basic, { backend: backend.url, tls, name: 'basic.conf' })).rejects.toThrow(
      'proxies: the nginx configuration basic.conf references /etc/ollama-proxy/htpasswd: give opts.basic',
    );
    await expect(startNginx(basic, { backend: backend.url, basic: { user: 'alice', password: 'x' }, name: 'basic.conf' })).rejects.toThrow(
      'proxies: the nginx configuration basic.conf references /etc/ollama-proxy/server.crt: give opts.tls (makeTlsMaterial())',
    );
    const apikey = readFileSync('examples/proxies/caddy/apikey.Caddyfile', 'utf8');
    await expect(startCaddy(apikey, { backend: backend.url, tls, name: 'apikey.Caddyfile' })).rejects.toThrow(
      'proxies: the caddy configuration apikey.Caddyfile contains CHANGE-ME-API-KEY: give opts.apiKey',
    );
    await expect(startNginx(SITE.replace('8443', '8080'), { backend: backend.url })).rejects.toThrow(
      'proxies: the nginx configuration has no "listen 8443" line for the harness to move to a free port',
    );
    await expect(startNginx(`${SITE}# CHANGE-ME-SOMETHING\n`, { backend: backend.url })).rejects.toThrow(
      'proxies: the nginx configuration still contains the placeholder CHANGE-ME-SOMETHING that the harness does not know',
    );
    await expect(startNginx(SITE, { backend: 'not a url' })).rejects.toThrow('proxies: opts.backend must be a URL or host:port, got "not a url"');
    expect(leftovers()).toEqual([tls.dir]);
  });
});
