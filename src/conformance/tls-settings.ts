/** The conformance server's TLS from a scenario's set-tls operation and the run's certificates. */
import { readFileSync } from 'node:fs';
import { HarnessError } from '../errors.js';
import type { ClientCertFiles, TlsKit } from '../emulator/index.js';
import type { MutationOp } from './types.js';

type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsSettings {
  options: { cert: Buffer; key: Buffer; ca?: Buffer; minVersion?: TlsVersion; maxVersion?: TlsVersion; requestCert?: boolean; rejectUnauthorized?: boolean; ciphers?: string };
  caFile: string;
  clientCert: ClientCertFiles | undefined;
}

export async function requireTlsKit(tlsKit: (() => Promise<TlsKit>) | undefined, scenarioId: string): Promise<TlsKit> {
  if (!tlsKit) throw new HarnessError('conformance/no-tls-kit', `scenario ${scenarioId} serves TLS, but the run made no certificates (pass tlsKit to startConformanceServer)`);
  return tlsKit();
}

export function tlsSettings(op: MutationOp, kit: TlsKit): TlsSettings {
  const certificate = (op['certificate'] as string | undefined) ?? 'trusted';
  if (certificate === 'expired' || certificate === 'wrong-host') {
    throw new HarnessError('conformance/unsupported', `set-tls certificate "${certificate}" is not implemented by this harness version`);
  }
  // "untrusted": the server presents a certificate from a second CA the client is never given.
  const served = certificate === 'untrusted' ? kit.untrusted : kit.trusted;
  return {
    options: {
      cert: readFileSync(served.certPath),
      key: readFileSync(served.keyPath),
      ...(op['minVersion'] ? { minVersion: op['minVersion'] as TlsVersion } : {}),
      ...(op['maxVersion'] ? { maxVersion: op['maxVersion'] as TlsVersion } : {}),
      // OpenSSL 3 refuses every TLS 1.0/1.1 handshake at its default security level (no SHA-1 signature
      // algorithm), so without this a server "speaking only TLS 1.1" would fail every client alike and
      // tls/min-version could never catch one that accepts it.
      ...(op['maxVersion'] === 'TLSv1' || op['maxVersion'] === 'TLSv1.1' ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
      ...(op['requireClientCert'] ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(kit.trusted.caPath) } : {}),
    },
    caFile: kit.trusted.caPath,
    clientCert: op['requireClientCert'] ? kit.client : undefined,
  };
}
