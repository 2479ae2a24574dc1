/**
 * A throwaway CA and a server certificate it signed, made with the system's openssl, for
 * `oac emulate --tls` without --cert/--key. Clients trust the CA file (Ollama: the system store or
 * SSL_CERT_FILE; curl: --cacert; Node: the `ca` option / NODE_EXTRA_CA_CERTS).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { HarnessError } from '../errors.js';

export interface ThrowawayCert {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new HarnessError('emulator/openssl', `openssl ${args[0]} failed (is openssl installed?): ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** Subject alternative names for the hosts a client may use: always 127.0.0.1, ::1 and localhost. */
export function subjectAltNames(hosts: string[]): string {
  const names = new Set(['IP:127.0.0.1', 'IP:::1', 'DNS:localhost']);
  for (const host of hosts) {
    const bare = host.replace(/^\[|\]$/g, '');
    if (bare === '' || bare === '0.0.0.0' || bare === '::') continue;
    names.add(isIP(bare) ? `IP:${bare}` : `DNS:${bare}`);
  }
  return [...names].join(',');
}

/**
 * Make a CA and a server certificate in `dir`. The caller owns `dir` and removes it (a run workspace,
 * see src/workspace.ts): CA and server private keys must not outlive the run.
 */
export function generateThrowawayCert(hosts: string[], dir: string): ThrowawayCert {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=oac emulator throwaway CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=oac emulator'], dir);
  writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${subjectAltNames(hosts)}`,
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'], dir);
  return { dir, caPath: path.join(dir, 'ca.pem'), certPath: path.join(dir, 'server.pem'), keyPath: path.join(dir, 'server.key') };
}

export interface ClientCertFiles {
  certPath: string;
  keyPath: string;
}

/** A client certificate (for mTLS) signed by a throwaway CA made above. */
export function generateClientCert(ca: ThrowawayCert): ClientCertFiles {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=oac test client'], ca.dir);
  writeFileSync(path.join(ca.dir, 'client.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2', '-extfile', 'client.ext'], ca.dir);
  return { certPath: path.join(ca.dir, 'client.pem'), keyPath: path.join(ca.dir, 'client.key') };
}

/**
 * Everything the TLS scenarios of one run need, made once per run (not once per scenario): a trusted CA
 * with its server certificate and a client certificate, and a second CA whose server certificate the
 * client is never told to trust.
 */
export interface TlsKit {
  trusted: ThrowawayCert;
  untrusted: ThrowawayCert;
  client: ClientCertFiles;
}

export function generateTlsKit(dir: string): TlsKit {
  const trustedDir = path.join(dir, 'trusted');
  const untrustedDir = path.join(dir, 'untrusted');
  mkdirSync(trustedDir, { recursive: true });
  mkdirSync(untrustedDir, { recursive: true });
  const trusted = generateThrowawayCert([], trustedDir);
  return { trusted, untrusted: generateThrowawayCert([], untrustedDir), client: generateClientCert(trusted) };
}
