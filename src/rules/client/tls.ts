/**
 * TLS (docs/protocol.md §6): trust only the CA given, refuse old versions, present the client certificate
 * when asked, and never send a credential over plain http to a server reached over https.
 */
import type { CheckId } from '../../check-ids.js';
import { fail, type Finding } from '../findings.js';

const TLS_CHECKS = {
  // Decided by the client's outcome: a refused handshake is neutral on the server side.
  customCa: 'tls/custom-ca',
  minVersion: 'tls/min-version',
  clientCert: 'tls/client-cert',
  noDowngrade: 'tls/no-downgrade',
  /** The registry's own downgrade rule: the token request followed an http:// realm. */
  realmNoDowngrade: 'registry/realm/no-downgrade',
} as const satisfies Record<string, CheckId>;

export function missingClientCertFinding(): Finding {
  return fail(TLS_CHECKS.clientCert, 'this server requires a client certificate signed by its CA; none (or an untrusted one) was presented', 'a client certificate', '(none or untrusted)');
}

/**
 * A request carrying credentials over plain http to a server the client reached over https should never
 * have been sent. What else is wrong with it (a redirect target without the signed ts, the same signature
 * twice) only echoes the downgrade, so the downgrade is the one failing verdict.
 */
export function downgradeSupersedes(findings: readonly Finding[], role: string): Finding[] {
  return [
    ...findings.filter((f) => f.ok),
    fail(role === 'token' ? TLS_CHECKS.realmNoDowngrade : TLS_CHECKS.noDowngrade, `a ${role} request carrying credentials came over plain http to a server the client reached over https`, 'https', 'http'),
  ];
}
