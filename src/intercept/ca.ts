/**
 * The per-run certificate authority of intercept mode: a CA made in-process for one run, and one leaf
 * certificate per routed host name (`ollama.com`, `registry.ollama.ai`) that the proxy presents when it
 * terminates the client's TLS. The client trusts the CA through the bundle file that
 * interceptEnvironment() exports (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS).
 *
 * The x509 loader, algorithm, serial numbers, validity window and key export are the emulator's
 * (src/emulator/tls-cert.ts); what is intercept's own is the shape: a CA that may sign leaves only
 * (pathLen 0), serverAuth leaves with one DNS name each, keys that stay in memory, and the bundle file.
 */
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { HarnessError } from '../errors.js';
import { CERT_ALGORITHM, certificateSerialNumber, certificateValidity, loadX509, privateKeyPem } from '../emulator/index.js';

/** Exported for tests and for the environment: file names inside the caller's directory. */
const CA_FILE = 'ca.pem';
const BUNDLE_FILE = 'ca-bundle.pem';

interface LeafCertificate {
  hostname: string;
  /** PEM */
  cert: string;
  /** PEM (PKCS#8); stays in memory, never written to disk. */
  key: string;
}

export interface InterceptCa {
  /** The CA certificate alone (PEM), written to `<dir>/ca.pem`. */
  caPem: string;
  caPath: string;
  /**
   * `<dir>/ca-bundle.pem`: the per-run CA followed by Node's public root certificates. The client's trust
   * store then is the production one plus ours, so a stack that replaces its roots with SSL_CERT_FILE
   * (Go, OpenSSL, requests) sees the same public roots it ships with; nothing outside the routed names is
   * reachable through the proxy anyway.
   */
  bundlePath: string;
  leaves: ReadonlyMap<string, LeafCertificate>;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function assertRoutableHostname(hostname: string): void {
  if (isIP(hostname) !== 0 || !DNS_NAME.test(hostname)) {
    throw new HarnessError('intercept/hostname', `expected a lower-case DNS host name such as "ollama.com" to intercept, got ${JSON.stringify(hostname)}`);
  }
}

/**
 * Make the CA and one leaf per host name; write `ca.pem` and `ca-bundle.pem` into `dir`. The caller owns
 * `dir` (the run workspace) and removes it with the run. The CA's private key is never exported.
 */
export async function createInterceptCa(options: { dir: string; hostnames: readonly string[]; now?: Date }): Promise<InterceptCa> {
  const x509 = await loadX509();
  const hostnames = [...new Set(options.hostnames)];
  if (hostnames.length === 0) throw new HarnessError('intercept/hostname', 'expected at least one host name to intercept, got none');
  hostnames.forEach(assertRoutableHostname);
  const { notBefore, notAfter } = certificateValidity(options.now);

  const caKeys = await webcrypto.subtle.generateKey(CERT_ALGORITHM, false, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: certificateSerialNumber(), name: `CN=oac intercept per-run CA ${certificateSerialNumber()}`, notBefore, notAfter, keys: caKeys, signingAlgorithm: CERT_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const leaves = new Map<string, LeafCertificate>();
  for (const hostname of hostnames) {
    const keys = await webcrypto.subtle.generateKey(CERT_ALGORITHM, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: certificateSerialNumber(), subject: `CN=${hostname}`, issuer: ca.subject, notBefore, notAfter,
      publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: CERT_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }]),
        // Stricter verifiers (Python 3.13's VERIFY_X509_STRICT) want the key identifiers.
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    leaves.set(hostname, { hostname, cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) });
  }

  const caPem = `${ca.toString('pem')}\n`;
  const caPath = path.join(options.dir, CA_FILE);
  const bundlePath = path.join(options.dir, BUNDLE_FILE);
  writeFileSync(caPath, caPem, { mode: 0o644 });
  writeFileSync(bundlePath, [caPem, ...rootCertificates].join('\n'), { mode: 0o644 });
  return { caPem, caPath, bundlePath, leaves };
}
