/**
 * Credentials by shape: an Authorization-like value reduced to what a reader may see of it. Every
 * function here keeps at most the scheme word and lengths (see vocabulary.ts for which form goes where).
 */
import { lengthShape } from './vocabulary.js';

/** Ollama's signed credential `<A>:<B>`: the 68-char SSH public-key field and the 88-char raw signature. */
const SIGNED_CREDENTIAL = /^[A-Za-z0-9+/]{68}:[A-Za-z0-9+/]{86}==$/;

/** The public-key field (`AAAAC3NzaC1lZDI1NTE5AAAAI…`, always this prefix for ssh-ed25519) followed by a signature. */
export const SIGNED_CREDENTIAL_IN_TEXT = /(AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}):[A-Za-z0-9+/]{86}==/g;

/** Scheme words that are safe to keep: registered or common HTTP auth schemes, never part of a secret. */
const KNOWN_SCHEMES = new Set(['basic', 'bearer', 'digest', 'token', 'apikey', 'api-key', 'negotiate', 'ntlm', 'hoba', 'mutual', 'vapid', 'scram-sha-1', 'scram-sha-256', 'aws4-hmac-sha256', 'dpop', 'gnap', 'privatetoken', 'concealed']);

/**
 * Per-run lengths: the scheme word (Bearer, Basic) stays, every other run of non-space, non-colon
 * characters becomes its length (`Bearer <68 chars>:<88 chars>`). Keeps the `:` structure, which is what
 * tells a signed credential from a token in a request log.
 */
export function credentialShape(value: string): string {
  const scheme = /^(bearer|basic)\s+/i.exec(value);
  const rest = scheme ? value.slice(scheme[0].length) : value;
  const shape = rest.replace(/[^:\s]+/g, (m) => lengthShape(m));
  return scheme ? `${scheme[1]} ${shape}` : shape;
}

/** Whole length after a known scheme: `Basic <12 chars>`, `Digest <96 chars>`; an unknown first word is not kept. */
export function credentialValueShape(value: string): string {
  const m = /^(\S+)(\s+)([\s\S]*)$/.exec(value);
  if (m && KNOWN_SCHEMES.has(m[1]!.toLowerCase())) return `${m[1]} ${lengthShape(m[3]!)}`;
  return lengthShape(value);
}

/** Named parts: `<pubkey>:<signature>`, `Bearer <pubkey>:<signature>`, `Bearer <token: 40 chars>`, `Basic <credentials: 12 chars>`. */
export function describeAuthorization(value: string): string {
  if (SIGNED_CREDENTIAL.test(value)) return '<pubkey>:<signature>';
  const bearer = /^Bearer (.*)$/s.exec(value);
  if (bearer) {
    const rest = bearer[1]!;
    return SIGNED_CREDENTIAL.test(rest) ? 'Bearer <pubkey>:<signature>' : `Bearer <token: ${rest.length} chars>`;
  }
  const basic = /^Basic (.*)$/s.exec(value);
  if (basic) return `Basic <credentials: ${basic[1]!.length} chars>`;
  return lengthShape(value);
}

/** What kind of credential an Authorization value is. */
export type CredentialKind = 'none' | 'basic' | 'bearer' | 'ollama-signature' | 'other';

/**
 * The one classifier of Authorization values by kind, from the shape alone: the leak rules judge with it,
 * the intercept proxy keeps only its answer for a refused request (never the value), and the recorder
 * checks a recorded flow with it. Ollama's signed credential is `<A>:<B>` with A the 68-character
 * public-key field, bare (the token request, docs/protocol.md §1.1) or after `Bearer ` (the desktop app's
 * and web-search signers, §2.2 S3-S5); a short `a:b` is not one.
 */
export function credentialKind(authorization: string | undefined): CredentialKind {
  if (authorization === undefined || authorization === '') return 'none';
  if (/^basic /i.test(authorization)) return 'basic';
  if (/^(bearer )?[A-Za-z0-9+/]{68}:/i.test(authorization)) return 'ollama-signature';
  return /^bearer /i.test(authorization) ? 'bearer' : 'other';
}
