/**
 * A client certificate from a CA nobody trusts, made in memory for the mTLS probe (never written to
 * disk): a throwaway CA, and a client certificate it signed, with the same shape a real one has
 * (clientAuth extended key usage), so a proxy that accepts "any certificate" accepts this one too.
 *
 * @peculiar/x509 builds the certificates over WebCrypto (ECDSA P-256); it needs the Reflect metadata
 * polyfill loaded first (its dependency injection container, tsyringe, insists on it).
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface ForeignClientCert {
  /** PEM */
  cert: string;
  /** PEM (PKCS#8) */
  key: string;
  /** The subject of the throwaway CA that signed it (for reports). */
  issuer: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');
}

export async function makeForeignClientCert(now: Date = new Date()): Promise<ForeignClientCert> {
  // Node's WebCrypto is the standard interface; the package types it with the DOM lib this project does not load.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + 24 * 3600_000);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
  const issuer = 'CN=oac probe throwaway CA (not trusted by anyone)';
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: issuer, notBefore, notAfter, keys: caKeys, signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const clientKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: 'CN=oac probe foreign client', issuer: ca.subject, notBefore, notAfter,
    publicKey: clientKeys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', clientKeys.privateKey);
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  return { cert: cert.toString('pem'), key, issuer };
}
