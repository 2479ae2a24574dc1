/**
 * A throw-away PKI made with the openssl CLI at test time (nothing checked in): a CA, a server
 * certificate for 127.0.0.1 / localhost / the real Ollama host names (reached through connectTo), and a
 * client certificate for mTLS. Private keys live in memory only; the temp dir is removed at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing we serve: trusting it alone must fail. */
  otherCaCert: string;
}

export const SERVER_NAMES = ['localhost', 'registry.ollama.ai', 'ollama.com', 'registry.test'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=oac test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function makeLeaf(dir: string, name: string, ext: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=oac test ${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'oac-pki-'));
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    const san = ['IP:127.0.0.1', ...SERVER_NAMES.map((n) => `DNS:${n}`)].join(',');
    makeLeaf(dir, 'server', `basicConstraints=CA:FALSE\nsubjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
    makeLeaf(dir, 'client', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    return {
      caCert: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
      otherCaCert: read('other-ca.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
