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
