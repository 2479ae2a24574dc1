/** The sign-in (connect) URL Ollama shows when a key is not linked to an account, and its inverse. */
import { ProtocolError } from '../errors.js';
import { goParseUrl, goPathEscape, goPathUnescape, goQueryEscape, goQueryUnescape } from './go-url.js';

export type SigninVariant = 'server' | 'app';

/**
 * server/routes.go@fb30760: `https://ollama.com/connect?name=<PathEscape(hostname)>&key=<b64url-nopad(authorized_keys line)>`.
 * The desktop app (app/auth/connect.go) QueryEscapes the name and adds `&launch=true`.
 */
export function buildSigninUrl(hostname: string, authorizedKeyLine: string, opts: { base?: string; variant?: SigninVariant } = {}): string {
  const base = (opts.base ?? 'https://ollama.com').replace(/\/+$/, '');
  const key = Buffer.from(authorizedKeyLine, 'utf8').toString('base64url');
  if (opts.variant === 'app') return `${base}/connect?name=${goQueryEscape(hostname)}&key=${key}&launch=true`;
  return `${base}/connect?name=${goPathEscape(hostname)}&key=${key}`;
}

export interface ParsedSigninUrl {
  /** Scheme and authority (and any path before `/connect`), as buildSigninUrl's `base`. */
  base: string;
  hostname: string;
  authorizedKeyLine: string;
  variant: SigninVariant;
}

const BASE64URL_NOPAD = /^[A-Za-z0-9_-]*$/;

/**
 * The inverse of buildSigninUrl, for a judge or a client that shows the link: exactly the two shapes Ollama
 * writes (`name`, `key`, and `launch=true` for the app), in that order; a key that is not unpadded base64url
 * of UTF-8 text is refused. The name is unescaped as its variant escaped it (the server's PathEscape keeps
 * `+`, the app's QueryEscape writes a space as `+`). Throws ProtocolError `signin/shape` (or a `url/…` code
 * from goParseUrl / the unescapers) saying what was expected and what was seen.
 */
export function parseSigninUrl(raw: string): ParsedSigninUrl {
  const url = goParseUrl(raw);
  const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
  const fail = (what: string): never => {
    throw new ProtocolError('signin/shape', `sign-in URL ${shown}: ${what}`);
  };
  if (!url.path.endsWith('/connect')) fail(`expected the path to end in /connect, got ${JSON.stringify(url.path)}`);
  if (url.fragment !== undefined) fail('expected no #fragment');
  // Split from the right: the server's PathEscape keeps "&" in a host name (routes.go@fb30760 L242), so the
  // name runs to the last "&key="; the key (base64url) and "launch=true" never hold one.
  const app = url.rawQuery.endsWith('&launch=true');
  const variant: SigninVariant = app ? 'app' : 'server';
  const query = app ? url.rawQuery.slice(0, -'&launch=true'.length) : url.rawQuery;
  const keyAt = query.lastIndexOf('&key=');
  if (!query.startsWith('name=') || keyAt === -1) {
    fail('expected the query "name=…&key=…" (the app adds "&launch=true")');
  }
  const rawName = query.slice('name='.length, keyAt);
  const rawKey = query.slice(keyAt + '&key='.length);
  if (!BASE64URL_NOPAD.test(rawKey) || rawKey.length % 4 === 1) fail(`expected key to be unpadded base64url, got ${rawKey.length} characters that are not`);
  const keyBytes = Buffer.from(rawKey, 'base64url');
  const authorizedKeyLine = keyBytes.toString('utf8');
  if (!Buffer.from(authorizedKeyLine, 'utf8').equals(keyBytes)) fail('expected key to decode to UTF-8 text (an authorized_keys line)');
  const hostname = variant === 'app' ? goQueryUnescape(rawName) : goPathUnescape(rawName);
  const base = raw.slice(0, raw.length - url.rawQuery.length - 1 - '/connect'.length);
  return { base, hostname, authorizedKeyLine, variant };
}
