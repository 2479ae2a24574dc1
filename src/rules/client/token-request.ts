/**
 * The signed token request (docs/protocol.md §1.3-1.5): a GET of the token URL, signed over
 * `GET,<token URL>,<empty-body hash>` with the raw `<A>:<B>` pair, a ts within the window, a fresh
 * nonce, from a key the server knows.
 */
import type { CheckId } from '../../check-ids.js';
import { check, fail, pass, type Finding } from '../findings.js';
import type { ParsedTokenUrl } from '../../protocol/token-url.js';
import type { SignatureVerification } from '../../protocol/verify.js';
import { knownKeyFinding } from './direct.js';
import { signatureFindings, timestampFinding, type VerifierPolicy } from './signature.js';
import { nonceFreshFinding, scopeItemsFinding, tokenUrlFindings } from './token-url.js';

export const TOKEN_REQUEST_CHECKS = {
  signature: 'registry/token-request/signature',
  methodGet: 'registry/token-request/method-get',
  rawForm: 'registry/token-request/raw-form',
  tsWindow: 'registry/token-request/ts-window',
} as const satisfies Record<string, CheckId>;

/** Refusals that do not stop the token from being issued (recorded, tolerated). */
const TOLERATED = new Set<CheckId>([TOKEN_REQUEST_CHECKS.rawForm]);

/** A token request that is not a GET is refused before anything else is read. */
export function wrongMethodFinding(method: string): Finding {
  return fail(TOKEN_REQUEST_CHECKS.methodGet, 'the token request must be a GET without a body', 'GET', method);
}

/** What the token endpoint saw of one GET token request. */
export interface TokenRequestObservation {
  /** publicOrigin + the request target, byte for byte. */
  received: string;
  /** The realm and service of the emulator's own challenge. */
  realm: string;
  service: string;
  authorization: string | undefined;
  /** The URL read back (undefined when it does not parse). */
  tokenUrl: ParsedTokenUrl | undefined;
  verification: SignatureVerification;
  /** Whether the nonce was seen before; undefined when it was not looked up (bad signature or nonce shape). */
  nonceReplayed: boolean | undefined;
  /** Is a scope one usable `repository:<ns>/<model>:<actions>` item? */
  usableScope: (scope: string) => boolean;
}

/** Every rule a GET token request is judged by, in the order the first failure is reported. */
export function tokenRequestFindings(policy: VerifierPolicy, observation: TokenRequestObservation): Finding[] {
  const { tokenUrl, verification } = observation;
  const findings: Finding[] = [pass(TOKEN_REQUEST_CHECKS.methodGet, 'the token request is a GET')];
  findings.push(...tokenUrlFindings(observation.received, { realm: observation.realm, service: observation.service }));
  if (tokenUrl) findings.push(scopeItemsFinding(tokenUrl.scopes, observation.usableScope));
  findings.push(...signatureFindings(verification, observation.authorization, TOKEN_REQUEST_CHECKS.signature));
  const parsed = verification.parsed;
  if (parsed) {
    findings.push(check(TOKEN_REQUEST_CHECKS.rawForm, parsed.form === 'raw',
      parsed.form === 'raw' ? 'Authorization is the raw "<pubkey>:<signature>" pair' : 'Authorization carries a "Bearer " prefix; Ollama sends the raw "<pubkey>:<signature>" pair to the token endpoint (tolerated here)',
      '<pubkey>:<signature>', 'Bearer <pubkey>:<signature>'));
  }
  const ts = tokenUrl?.ts.length === 1 ? tokenUrl.ts[0] : undefined;
  findings.push(timestampFinding(TOKEN_REQUEST_CHECKS.tsWindow, policy, ts));
  if (observation.nonceReplayed !== undefined) findings.push(nonceFreshFinding(tokenUrl!.nonce[0]!, observation.nonceReplayed));
  if (parsed) findings.push(knownKeyFinding(policy, parsed.publicKeyField));
  return findings;
}

/** The failure that refuses the token request, if any (a tolerated one does not). */
export function refusingFinding(findings: readonly Finding[]): Finding | undefined {
  return findings.find((f) => !f.ok && !TOLERATED.has(f.id));
}
