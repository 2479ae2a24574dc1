/**
 * The registry's bearer token. docs/protocol.md §1.7 infers the real format: `base64std(<signed token URL>)
 * ":" <A> ":" <B>`, a self-verifying echo of the token request's own signature. The emulator issues
 * exactly that, so it keeps no token table: on use it decodes the token, re-verifies the signature with
 * the protocol core, and reads ts and scopes back from the signed URL.
 */
import { check, fail, pass, type Finding } from '../protocol/findings.js';
import { registrySignedString } from '../protocol/signing.js';
import { parseTokenUrl } from '../protocol/token-url.js';
import { verifyAuthorizationValue } from '../protocol/verify.js';
import { goParseUrl } from '../protocol/go-url.js';
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

export interface DecodedToken {
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

/**
 * Judges `Authorization: Bearer <token>` on a registry resource. Every finding is returned; the request is
 * allowed only when none fails. Order = priority of the reason reported.
 */
export function checkBearerToken(state: EmulatorState, token: string, repository: string, action: Action): Finding[] {
  if (token === '') {
    return [fail('registry/token/opaque', 'the Bearer token is empty: fetch a token and send it back unchanged', 'Bearer <token>', 'Bearer ')];
  }
  const decoded = decodeToken(token);
  if (decoded === undefined) {
    return [fail('registry/token/opaque', 'the Bearer token is not one this registry issued: send the token from the token response back unchanged', 'the token as issued', `${token.length} chars`)];
  }
  const verdict = verifyAuthorizationValue(decoded.authorization, [
    { label: 'the signed token URL', message: registrySignedString(decoded.tokenUrl), correct: true },
  ], 'registry/token/opaque');
  const broken = verdict.findings.find((f) => !f.ok);
  if (broken !== undefined) {
    return [fail('registry/token/opaque', `the Bearer token's signature does not verify (was it altered?): ${broken.message}`)];
  }
  const findings: Finding[] = [pass('registry/token/opaque', 'the Bearer token is one this registry issued, unaltered')];

  const realm = goParseUrl(state.realm());
  const parsed = parseTokenUrl(decoded.tokenUrl);
  const sameRegistry = parsed.url.host === realm.host && parsed.url.path === realm.path;
  findings.push(check('registry/token/no-cross-host', sameRegistry,
    'A token is only sent to the registry that issued it.', `${realm.host}${realm.path}`, `${parsed.url.host}${parsed.url.path}`));

  const ts = Number(parsed.ts[0]);
  const age = state.nowSeconds() - ts;
  const fresh = parsed.ts.length === 1 && Number.isSafeInteger(ts) && age <= state.tokenTtlSeconds && -age <= state.tsWindowSeconds;
  findings.push(check('registry/token-request/ts-window', fresh,
    fresh
      ? `the token is within its lifetime (signed ${age}s ago, accepted for ${state.tokenTtlSeconds}s)`
      : `the token has expired or is not yet valid: it was signed at ts=${parsed.ts.join(',')} (${age}s ago) and is accepted for ${state.tokenTtlSeconds}s; fetch a new token on the 401`,
    `0 <= age <= ${state.tokenTtlSeconds}s`, `age ${age}s`));

  const keyField = decoded.authorization.slice(0, decoded.authorization.indexOf(':'));
  findings.push(knownKeyFinding(state, keyField));

  const granted = parsed.scopes.map(parseRepositoryScope).filter((s): s is RepositoryScope => s !== undefined);
  const covers = granted.some((s) => s.repository === repository && (s.actions.includes(action) || s.actions.includes('*')));
  findings.push(check('registry/token/scope-bound', covers,
    covers ? `the token covers ${action} on ${repository}` : `a token is bound to the scopes it was requested for: this one covers ${parsed.scopes.join(' ') || '(nothing)'}, not ${action} on ${repository}; request a token for the new scope`,
    scopeFor(repository, action), parsed.scopes.join(' ')));
  return findings;
}

/** Is the key allowed in? (`direct/known-key` serves both flows: the catalogue has no registry-specific id.) */
export function knownKeyFinding(state: EmulatorState, publicKeyField: string): Finding {
  if (state.faults.unknownKey) {
    return fail('direct/known-key', 'the key is not known to this server (fault unknown-key: every key is treated as unknown)', 'a registered key', publicKeyField);
  }
  if (state.authorizedKeys !== undefined && !state.authorizedKeys.has(publicKeyField)) {
    return fail('direct/known-key', 'the key is not in this server\'s authorized keys: register the public key (ollama.com/settings/keys) or use the key that is', 'a key from authorized_keys', publicKeyField);
  }
  return pass('direct/known-key', 'the key is known to this server');
}
