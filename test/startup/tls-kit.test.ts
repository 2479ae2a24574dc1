/**
 * The TLS kit of `oac check`, made by @peculiar/x509 (in a child process once built), checked by an independent
 * implementation: the system's openssl verifies the chains and prints the extensions, and Node's TLS
 * stack completes a mutual-TLS handshake with the files as a client and a server would load them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, connect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateTlsKit, type TlsKit } from '../../src/emulator/tls-cert.js';
import { createModuleLog } from './module-log.js';

let dir: string;
let kit: TlsKit;

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function verify(caFile: string, certFile: string, purpose: string): string {
  try {
    return openssl('verify', '-purpose', purpose, '-CAfile', caFile, certFile).trim();
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? '').trim();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'oac-tls-kit-'));
  kit = await generateTlsKit(dir);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('generateTlsKit', () => {
  test('writes the same files as the openssl version did, private keys 0600', () => {
    expect(kit.trusted).toEqual({ dir: path.join(dir, 'trusted'), caPath: path.join(dir, 'trusted', 'ca.pem'), certPath: path.join(dir, 'trusted', 'server.pem'), keyPath: path.join(dir, 'trusted', 'server.key') });
    expect(kit.untrusted.caPath).toBe(path.join(dir, 'untrusted', 'ca.pem'));
    expect(kit.client).toEqual({ certPath: path.join(dir, 'trusted', 'client.pem'), keyPath: path.join(dir, 'trusted', 'client.key') });
    for (const key of [kit.trusted.keyPath, kit.untrusted.keyPath, kit.client.keyPath, path.join(dir, 'trusted', 'ca.key')]) {
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
  });

  test('openssl verifies the server and client certificates against the trusted CA, and not against the other one', () => {
    expect(verify(kit.trusted.caPath, kit.trusted.certPath, 'sslserver')).toBe(`${kit.trusted.certPath}: OK`);
    expect(verify(kit.untrusted.caPath, kit.untrusted.certPath, 'sslserver')).toBe(`${kit.untrusted.certPath}: OK`);
    expect(verify(kit.trusted.caPath, kit.client.certPath, 'sslclient')).toBe(`${kit.client.certPath}: OK`);
    expect(verify(kit.trusted.caPath, kit.untrusted.certPath, 'sslserver')).not.toMatch(/: OK$/);
    expect(verify(kit.untrusted.caPath, kit.trusted.certPath, 'sslserver')).not.toMatch(/: OK$/);
  });

  test('the server certificate names 127.0.0.1, ::1 and localhost, and says what each certificate may do', () => {
    const server = openssl('x509', '-noout', '-text', '-in', kit.trusted.certPath);
    expect(server).toMatch(/X509v3 Subject Alternative Name: \n\s+IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost\n/);
    expect(server).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    expect(server).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
    expect(server).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication/);
    const ca = openssl('x509', '-noout', '-text', '-in', kit.trusted.caPath);
    expect(ca).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE/);
    expect(ca).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign/);
    const client = openssl('x509', '-noout', '-text', '-in', kit.client.certPath);
    expect(client).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication/);
    expect(client).toMatch(/Subject: CN ?= ?oac test client/);
  });

  test('each key belongs to its certificate (openssl compares the public keys)', () => {
    for (const [cert, key] of [[kit.trusted.certPath, kit.trusted.keyPath], [kit.client.certPath, kit.client.keyPath]] as const) {
      expect(openssl('x509', '-noout', '-pubkey', '-in', cert)).toBe(openssl('pkey', '-pubout', '-in', key));
    }
  });

  test('Node completes a mutual-TLS handshake on 127.0.0.1 with the files', async () => {
    const server = createServer({
      cert: readFileSync(kit.trusted.certPath), key: readFileSync(kit.trusted.keyPath),
      ca: readFileSync(kit.trusted.caPath), requestCert: true, rejectUnauthorized: true,
    }, (socket) => socket.end(`hello ${(socket as TLSSocket).getPeerCertificate().subject.CN}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({
          host: '127.0.0.1', port, ca: readFileSync(kit.trusted.caPath),
          cert: readFileSync(kit.client.certPath), key: readFileSync(kit.client.keyPath),
        });
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => { text += chunk; });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toBe('hello oac test client');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('generateTlsKit, built', () => {
  const moduleLog = createModuleLog();
  afterAll(() => moduleLog.remove());

  test('makes the kit in a child process: the process serving clients never loads @peculiar/x509', () => {
    const built = path.resolve('dist/emulator/tls-cert.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does)`);
    const kitDir = path.join(dir, 'built');
    const script = `import(${JSON.stringify(pathToFileURL(built).href)}).then((m) => m.generateTlsKit(${JSON.stringify(kitDir)})).then((kit) => process.stdout.write(JSON.stringify(kit)))`;
    const { loaded, status, stdout, stderr } = moduleLog.run(['--input-type=module', '-e', script], { timeoutMs: 120_000 });
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const made = JSON.parse(stdout) as TlsKit;
    expect(made.trusted.caPath).toBe(path.join(kitDir, 'trusted', 'ca.pem'));
    expect(verify(made.trusted.caPath, made.client.certPath, 'sslclient')).toBe(`${made.client.certPath}: OK`);
    expect(loaded).toContain('dist/emulator/tls-cert.js');
    expect(loaded.filter((m) => m.includes('node_modules/@peculiar/') || m.includes('node_modules/reflect-metadata/'))).toEqual([]);
  });
});
