/**
 * Redaction at save time (Polly's `beforePersist`), never on the live request: the origin must receive
 * exactly what the reference client sent, and only the saved copy changes.
 *
 * Two steps per HAR entry:
 * 1. Keep only allow-listed headers (what a reader and the conformance server need: WWW-Authenticate,
 *    Content-Type, Docker-Content-Digest, Location, …). Everything else (Date, Set-Cookie, Server, our own
 *    X-Oac-Reason, Content-Length of a body that redaction may shorten) is dropped.
 * 2. Replace every secret with a typed placeholder (placeholders.ts: the cassette format; which values are
 *    secrets and how literals are replaced is src/redaction's). Secrets are learned before any entry
 *    is saved, from every request and response of the run (Authorization values, `nonce` query values,
 *    token fields of token responses, account fields of /api/me) plus what the caller knows (the key's
 *    public key, the API key, the Basic credentials), and replaced wherever they occur: URL, query pairs,
 *    headers, bodies. A shape-based pass then catches pairs and keys that were not learned; the scanner
 *    (scan.ts) checks the result before anything is written.
 */
import { ProtocolError } from '../errors.js';
import { authorizedKeyLine, decodePublicKeyField } from '../keys/index.js';
import { goQueryUnescape } from '../protocol/go-url.js';
import { LiteralSecrets } from '../redaction/index.js';
import type { NameValue } from './har.js';
import { placeholder } from './placeholders.js';

/** Request headers a cassette keeps (lower case). */
export const REQUEST_HEADER_ALLOW_LIST: readonly string[] = ['accept', 'authorization', 'content-type', 'host', 'user-agent'];

/** Response headers a cassette keeps (lower case). */
export const RESPONSE_HEADER_ALLOW_LIST: readonly string[] = [
  'allow', 'content-encoding', 'content-type', 'docker-content-digest', 'docker-distribution-api-version', 'location', 'www-authenticate',
];

/** JSON fields that carry a bearer token (Docker token spec: token, access_token, refresh_token; OIDC id_token). */
const TOKEN_FIELDS = new Set(['token', 'access_token', 'refresh_token', 'id_token']);
/** Fields of ollama.com's account answers (/api/me) that name a person; `plan` and the like stay. */
const ACCOUNT_FIELDS = new Set(['id', 'email', 'name', 'username', 'firstname', 'lastname', 'first_name', 'last_name', 'bio', 'avatarurl', 'avatar_url', 'avatar']);

const SIGNATURE_AUTH = /^(?:(bearer)\s+)?([A-Za-z0-9+/]{68}):([A-Za-z0-9+/]{86}==)$/i;

export interface KnownSecrets {
  /** The recording key's public-key field (always redacted, wherever it appears). */
  publicKeyField?: string;
  apiKey?: string;
  basic?: { user: string; pass: string };
}

/** How an unrecognised `Bearer <value>` is classified: the API-key flow's Bearer is the key itself. */
export type BearerMeaning = 'token' | 'apikey';

/** Minimal view of what Polly passes around: headers as a record, body as text. */
export interface SeenExchange {
  url: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
  responseBody: string | undefined;
}

function firstHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

function pathOf(url: string): string {
  const afterScheme = url.indexOf('//');
  const slash = url.indexOf('/', afterScheme === -1 ? 0 : afterScheme + 2);
  if (slash === -1) return '/';
  const q = url.indexOf('?', slash);
  return q === -1 ? url.slice(slash) : url.slice(slash, q);
}

/** `[name, value]` pairs of a raw query, in order, form-decoded (an undecodable value is kept as written). */
export function queryPairs(url: string): Array<[string, string]> {
  const q = url.indexOf('?');
  if (q === -1) return [];
  const raw = url.slice(q + 1).split('#')[0]!;
  const decode = (s: string): string => {
    try {
      return goQueryUnescape(s);
    } catch (err) {
      // Go's ParseQuery would drop such a pair; a cassette keeps it as written so nothing is lost.
      if (err instanceof ProtocolError) return s;
      throw err;
    }
  };
  return raw.split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    return eq === -1 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
  });
}

export class Redactor {
  /** secret text (and its encoded forms) → placeholder; replaced longest first. */
  private readonly secrets = new LiteralSecrets();
  private tokens = 0;

  constructor(known: KnownSecrets, private readonly bearerMeaning: BearerMeaning) {
    if (known.publicKeyField !== undefined) this.addPublicKey(known.publicKeyField);
    if (known.apiKey !== undefined && known.apiKey !== '') this.add(known.apiKey, placeholder('apikey', `${known.apiKey.length} chars`));
    if (known.basic !== undefined) this.addBasic(Buffer.from(`${known.basic.user}:${known.basic.pass}`, 'utf8').toString('base64'));
  }

  private add(secret: string, replacement: string): void {
    this.secrets.add(secret, replacement);
  }

  private addPublicKey(field: string): void {
    this.add(field, placeholder('pubkey', 'ssh-ed25519 68 base64'));
    let line: string;
    try {
      line = authorizedKeyLine(decodePublicKeyField(field));
    } catch (err) {
      // Not a decodable key (a client sent garbage): the field itself is still redacted above.
      if (err instanceof ProtocolError) return;
      throw err;
    }
    // The same key inside a sign-in URL (`key=<base64url(authorized_keys line)>`) or a .pub-style line.
    for (const text of [line, `${line}\n`]) {
      const signin = placeholder('pubkey', 'signin authorized-key base64url');
      this.add(Buffer.from(text, 'utf8').toString('base64url'), signin);
      this.add(Buffer.from(text, 'utf8').toString('base64'), signin);
    }
  }

  private addBasic(encoded: string): void {
    this.add(encoded, placeholder('basic', `${encoded.length} base64`));
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    // The decoded pair too, when it is long enough that replacing it cannot mangle unrelated text.
    if (decoded.includes(':') && decoded.length >= 8) this.add(decoded, placeholder('basic', `user:password ${decoded.length} chars`));
  }

  private addToken(token: string): void {
    if (this.secrets.has(token)) return;
    this.tokens += 1;
    this.add(token, placeholder('token', `opaque ${token.length} chars #${this.tokens}`));
  }

  /** Learns an Authorization value: signature pairs, tokens, API keys, Basic credentials. */
  learnAuthorization(value: string): void {
    const pair = SIGNATURE_AUTH.exec(value.trim());
    if (pair) {
      this.addPublicKey(pair[2]!);
      this.add(pair[3]!, placeholder('signature', '88 base64'));
      return;
    }
    const bearer = /^bearer\s+(.+)$/is.exec(value.trim());
    if (bearer) {
      const credential = bearer[1]!.trim();
      if (this.secrets.has(credential)) return;
      if (this.bearerMeaning === 'apikey') this.add(credential, placeholder('apikey', `${credential.length} chars`));
      else this.addToken(credential);
      return;
    }
    const basic = /^basic\s+(.+)$/is.exec(value.trim());
    if (basic) {
      this.addBasic(basic[1]!.trim());
      return;
    }
    this.add(value, placeholder('secret', `authorization ${value.length} chars`));
  }

  /** Learns everything secret in one request/response pair, before any entry is saved. */
  learn(seen: SeenExchange): void {
    for (const [name, value] of queryPairs(seen.url)) {
      if (name === 'nonce' && value !== '') this.add(value, placeholder('nonce', `${value.length} base64url`));
    }
    for (const name of ['authorization', 'proxy-authorization']) {
      const value = firstHeader(seen.requestHeaders, name);
      if (value !== undefined && value !== '') this.learnAuthorization(value);
    }
    const body = seen.responseBody;
    if (body === undefined || body === '') return;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      // Not JSON (a manifest blob, plain text): nothing structured to learn; the scanner still checks it.
      if (err instanceof SyntaxError) return;
      throw err;
    }
    const accountAnswer = /^\/api\/(me|user)\b/.test(pathOf(seen.url));
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) {
        v.forEach(walk);
        return;
      }
      if (v === null || typeof v !== 'object') return;
      for (const [k, field] of Object.entries(v as Record<string, unknown>)) {
        if (typeof field === 'string' && field !== '') {
          if (TOKEN_FIELDS.has(k)) this.addToken(field);
          else if (accountAnswer && ACCOUNT_FIELDS.has(k.toLowerCase()) && field.length >= 3) this.add(field, placeholder('account', `${k} ${field.length} chars`));
          else if (k === 'signin_url') this.learnSigninUrl(field);
        } else {
          walk(field);
        }
      }
    };
    walk(json);
  }

  private learnSigninUrl(url: string): void {
    for (const [name, value] of queryPairs(url)) {
      if (name !== 'key' || value === '') continue;
      const line = Buffer.from(value, 'base64url').toString('utf8');
      const m = /^ssh-ed25519 ([A-Za-z0-9+/]{68})/.exec(line);
      if (m) this.addPublicKey(m[1]!);
      else this.add(value, placeholder('pubkey', `signin key ${value.length} chars`));
    }
  }

  /** `text` with every learned secret replaced, then any remaining signature pair / public key by shape. */
  redactText(text: string): string {
    return this.secrets.redact(text)
      .replace(/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{68}:[A-Za-z0-9+/]{86}==/g, () => `${placeholder('pubkey', 'ssh-ed25519 68 base64')}:${placeholder('signature', '88 base64')}`)
      .replace(/AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}(?![A-Za-z0-9+/])/g, () => placeholder('pubkey', 'ssh-ed25519 68 base64'))
      .replace(/\bnonce=([A-Za-z0-9_-]{21}[AQgw])(?![A-Za-z0-9_-])/g, (_m, n: string) => `nonce=${placeholder('nonce', `${n.length} base64url`)}`);
  }

  /** Allow-listed headers, values redacted, wire order kept. */
  redactHeaders(headers: readonly NameValue[], allow: readonly string[]): NameValue[] {
    return headers
      .filter((h) => allow.includes(h.name.toLowerCase()))
      .map((h) => ({ ...h, name: h.name.toLowerCase(), value: this.redactText(h.value) }));
  }
}
