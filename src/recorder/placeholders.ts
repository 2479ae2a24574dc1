/**
 * Typed placeholders: what a cassette holds where a secret was (recordings/README.md documents the grammar).
 *
 *   placeholder = "<" kind ":" detail ">"
 *   kind        = "signature" | "pubkey" | "token" | "apikey" | "basic" | "nonce" | "account" | "secret"
 *   detail      = 1*(printable ASCII except "<" and ">"), e.g. "88 base64", "opaque 370 chars #1"
 *
 * A placeholder keeps the shape a reader (or the conformance server) needs: which kind of value stood
 * there and how long it was, and for tokens an index (`#1`) so the token a client received can be told
 * apart from another one. The scanner treats text matching this grammar as safe.
 */

export const PLACEHOLDER_KINDS = ['signature', 'pubkey', 'token', 'apikey', 'basic', 'nonce', 'account', 'secret'] as const;
export type PlaceholderKind = (typeof PLACEHOLDER_KINDS)[number];

/** The schema's `redactions[].kind` (specs/schemas/cassette-provenance.schema.json). */
export type RedactionKind =
  | 'signature' | 'public-key' | 'bearer-token' | 'api-key' | 'basic-credentials' | 'password' | 'cookie'
  | 'nonce' | 'signin-key' | 'account' | 'other';

const DETAIL = '[\\x20-\\x3b\\x3d\\x3f-\\x7e]+';

/** Every placeholder in a text (global regex: use with matchAll / replace). */
export const PLACEHOLDER_PATTERN = new RegExp(`<(${PLACEHOLDER_KINDS.join('|')}):(${DETAIL})>`, 'g');

const WHOLE = new RegExp(`^<(${PLACEHOLDER_KINDS.join('|')}):(${DETAIL})>$`);

export function placeholder(kind: PlaceholderKind, detail: string): string {
  if (!new RegExp(`^${DETAIL}$`).test(detail)) {
    throw new RangeError(`placeholder detail must be printable ASCII without < or >, got ${JSON.stringify(detail)}`);
  }
  return `<${kind}:${detail}>`;
}

export interface ParsedPlaceholder {
  kind: PlaceholderKind;
  detail: string;
}

/** The placeholder `text` is, or undefined when it is not exactly one placeholder. */
export function parsePlaceholder(text: string): ParsedPlaceholder | undefined {
  const m = WHOLE.exec(text);
  return m ? { kind: m[1] as PlaceholderKind, detail: m[2]! } : undefined;
}

export function placeholdersIn(text: string): ParsedPlaceholder[] {
  return [...text.matchAll(PLACEHOLDER_PATTERN)].map((m) => ({ kind: m[1] as PlaceholderKind, detail: m[2]! }));
}

/** The provenance manifest's kind for a placeholder. */
export function redactionKind(p: ParsedPlaceholder): RedactionKind {
  switch (p.kind) {
    case 'signature': return 'signature';
    case 'pubkey': return p.detail.includes('signin') ? 'signin-key' : 'public-key';
    case 'token': return 'bearer-token';
    case 'apikey': return 'api-key';
    case 'basic': return p.detail.includes('password') ? 'password' : 'basic-credentials';
    case 'nonce': return 'nonce';
    case 'account': return 'account';
    case 'secret': return 'other';
  }
}
