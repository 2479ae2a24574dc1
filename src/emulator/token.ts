/**
 * The registry's bearer token. docs/protocol.md §1.7 infers the real format: `base64std(<signed token URL>)
 * ":" <A> ":" <B>`, a self-verifying echo of the token request's own signature. The emulator issues
 * exactly that, so it keeps no token table: on use it decodes the token, re-verifies the signature with
 * the protocol core (unless it issued that very token: VerifiedTokens), and reads ts and scopes back from
 * the signed URL. The rules (src/rules/client/token.ts) turn what it saw into findings.
 */
import type { Finding } from '../rules/findings.js';
import { registrySignedString } from '../protocol/signing.js';
import { parseTokenUrl } from '../protocol/token-url.js';
import { verifySignature } from '../protocol/verify.js';
import { goParseUrl } from '../protocol/go-url.js';
import { bearerTokenFindings, type BearerTokenObservation, type TokenUse } from '../rules/client/token.js';
import type { EmulatorState } from './options.js';

export type Action = 'pull' | 'push';

export interface RepositoryScope {
  repository: string;
  actions: string[];
}

const SCOPE = /^repository:([^:\s]+):([a-z*]+(?:,[a-z*]+)*)$/;

/** `repository:<ns>/<model>:<action>[,<action>]`, or undefined when the scope has another shape. */
export function parseRepositoryScope(scope: string): RepositoryScope | undefined {
  const m = SCOPE.exec(scope);
  return m ? { repository: m[1]!, actions: m[2]!.split(',') } : undefined;
}

/** The scope the emulator challenges with for an action on a repository (push also needs pull). */
export function scopeFor(repository: string, action: Action): string {
  return `repository:${repository}:${action === 'push' ? 'pull,push' : 'pull'}`;
}

export function issueToken(signedTokenUrl: string, publicKeyField: string, signatureField: string): string {
  return `${Buffer.from(signedTokenUrl, 'utf8').toString('base64')}:${publicKeyField}:${signatureField}`;
}

interface DecodedToken {
  tokenUrl: string;
  authorization: string;
}

const STD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Splits a token this emulator issued; undefined when it cannot be one (the client altered it, or it is foreign). */
export function decodeToken(token: string): DecodedToken | undefined {
  const parts = token.split(':');
  if (parts.length !== 3 || !STD_BASE64.test(parts[0]!)) return undefined;
  const urlBytes = Buffer.from(parts[0]!, 'base64');
  if (urlBytes.toString('base64') !== parts[0]) return undefined;
  return { tokenUrl: urlBytes.toString('utf8'), authorization: `${parts[1]}:${parts[2]}` };
}

/** What the registry sees of `Authorization: Bearer <token>` on a resource, for the token rules. */
function observeBearerToken(state: EmulatorState, token: string, repository: string, action: Action): BearerTokenObservation {
  const decoded = token === '' ? undefined : decodeToken(token);
  if (decoded === undefined) return { token, decoded: undefined };
  const verification = state.verifiedTokens.has(token)
    ? 'remembered'
    : verifySignature(decoded.authorization, [{ label: 'the signed token URL', message: registrySignedString(decoded.tokenUrl), correct: true }]);
  if (verification !== 'remembered' && verification.matched?.correct !== true) return { token, decoded, verification, use: undefined };
  const realm = goParseUrl(state.realm());
  const parsed = parseTokenUrl(decoded.tokenUrl);
  const granted = parsed.scopes.map(parseRepositoryScope).filter((s): s is RepositoryScope => s !== undefined);
  const use: TokenUse = {
    issuer: `${parsed.url.host}${parsed.url.path}`,
    realm: `${realm.host}${realm.path}`,
    ts: parsed.ts,
    tokenTtlSeconds: state.tokenTtlSeconds,
    scopes: parsed.scopes,
    covers: granted.some((s) => s.repository === repository && (s.actions.includes(action) || s.actions.includes('*'))),
    action,
    repository,
    wanted: scopeFor(repository, action),
  };
  return { token, decoded, verification, use };
}

/** Judges `Authorization: Bearer <token>` on a registry resource: every finding; allowed only when none fails. */
export function checkBearerToken(state: EmulatorState, token: string, repository: string, action: Action): Finding[] {
  return bearerTokenFindings(state, observeBearerToken(state, token, repository, action));
}
