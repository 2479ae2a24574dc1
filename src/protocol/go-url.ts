/**
 * The slice of Go's net/url that Ollama's signatures depend on, reproduced byte for byte.
 *
 * Why not WHATWG `URL`: it lower-cases hosts, drops default ports (`:443`), re-encodes queries with
 * different rules and sorts nothing. Ollama compares `URL.Host` as a raw string and signs
 * `url.Values.Encode()` output, so any normalisation here would make us disagree with Ollama.
 */
import { ProtocolError } from '../errors.js';

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

function escapeBytes(s: string, keep: (ch: string) => boolean, spaceAsPlus: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && keep(ch)) out += ch;
    else if (ch === ' ' && spaceAsPlus) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go `url.QueryEscape`: unreserved bytes kept, space → `+`, everything else `%XX` (upper case). */
export function goQueryEscape(s: string): string {
  return escapeBytes(s, (ch) => UNRESERVED.test(ch), true);
}

/** Go `url.PathEscape` (encodePathSegment): also keeps `$ & + : = @`; escapes `/ ; , ?` and space as `%20`. */
export function goPathEscape(s: string): string {
  return escapeBytes(s, (ch) => UNRESERVED.test(ch) || '$&+:=@'.includes(ch), false);
}

/**
 * Go's `url.unescape`: decode `%XX` (a malformed escape is an error, as in Go) over UTF-8 bytes; in query
 * mode `+` also becomes a space. Path mode keeps `+`.
 */
function unescapeBytes(s: string, plusAsSpace: boolean): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x25 /* % */) {
      const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new ProtocolError('url/bad-escape', `invalid URL escape "${bytes.subarray(i, i + 3).toString('latin1')}" in ${JSON.stringify(s)}`);
      }
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(plusAsSpace && byte === 0x2b /* + */ ? 0x20 : byte);
    }
  }
  return Buffer.from(out);
}

/**
 * Go `url.QueryUnescape`. One known difference: Go keeps a decoded byte sequence that is not valid
 * UTF-8 (`%FF`) as is, while a JS string cannot; such values come back as U+FFFD.
 */
export function goQueryUnescape(s: string): string {
  return unescapeBytes(s, true).toString('utf8');
}

/** Go `url.PathUnescape`: like goQueryUnescape, but `+` stays `+` (the inverse of goPathEscape). */
export function goPathUnescape(s: string): string {
  return unescapeBytes(s, false).toString('utf8');
}

/** An ordered multimap, as Go's `url.Values` (map[string][]string) behaves for one key's values. */
export type GoValues = Map<string, string[]>;

export interface ParsedQuery {
  values: GoValues;
  /** Pairs Go's ParseQuery drops (a `;` in the key, a bad escape): kept so a verifier can report them. */
  rejected: { pair: string; reason: string }[];
}

/** Go `url.ParseQuery` (Go ≥ 1.17: `;` is not a separator and a pair holding one is dropped). */
export function goParseQuery(rawQuery: string): ParsedQuery {
  const values: GoValues = new Map();
  const rejected: ParsedQuery['rejected'] = [];
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    // Go tests the whole `k=v` segment for ';' (not just the key) before splitting on '='.
    if (pair.includes(';')) {
      rejected.push({ pair, reason: 'invalid semicolon separator in query' });
      continue;
    }
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = goQueryUnescape(rawKey);
      value = goQueryUnescape(rawValue);
    } catch (err) {
      rejected.push({ pair, reason: (err as Error).message });
      continue;
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return { values, rejected };
}

/** Byte-wise comparison, as Go's `sort.Strings` orders keys (UTF-16 order differs above the BMP). */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go `url.Values.Encode()`: keys sorted byte-wise, values in insertion order, both QueryEscaped. */
export function goEncodeValues(values: GoValues): string {
  const keys = [...values.keys()].sort(compareGoStrings);
  const parts: string[] = [];
  for (const key of keys) {
    for (const value of values.get(key) ?? []) parts.push(`${goQueryEscape(key)}=${goQueryEscape(value)}`);
  }
  return parts.join('&');
}

/** `values.Add(key, value)`. */
export function goAdd(values: GoValues, key: string, value: string): void {
  const list = values.get(key);
  if (list) list.push(value);
  else values.set(key, [value]);
}

/** `values.Set(key, value)`: replaces every earlier value of the key. */
export function goSet(values: GoValues, key: string, value: string): void {
  values.set(key, [value]);
}

// Go's shouldEscape(c, encodePath): unreserved bytes and `$ & + , / : ; = @` stay; `?` and all else escape.
function pathByteNeedsEscape(byte: number): boolean {
  const ch = String.fromCharCode(byte);
  return !(byte < 0x80 && (UNRESERVED.test(ch) || '$&+,/:;=@'.includes(ch)));
}

function escapePathBytes(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += pathByteNeedsEscape(byte) ? '%' + byte.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(byte);
  return out;
}

// Go `validEncoded(s, encodePath)`: may a raw path be sent as written?
function validEncodedPath(raw: string): boolean {
  for (const byte of Buffer.from(raw, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if ("!$&'()*+,;=:@[]%".includes(ch)) continue;
    if (pathByteNeedsEscape(byte)) return false;
  }
  return true;
}

/**
 * Go `URL.setPath` then `URL.EscapedPath()`: the path as Go writes it back out. A path that is
 * already a valid encoding is kept as written; otherwise Go escapes the decoded bytes.
 */
function goEscapedPath(raw: string): string {
  const decoded = unescapeBytes(raw, false);
  const escaped = escapePathBytes(decoded);
  if (raw === escaped || validEncodedPath(raw)) return raw;
  if (decoded.toString('latin1') === '*') return '*';
  return escaped;
}

/**
 * A URL split the way Go's `url.Parse` splits it, keeping every part as written (no case folding,
 * no default-port removal). Only what the auth flows need: absolute `scheme://authority/path?query#frag`
 * and the relative forms a bad realm produces (`""`, `"basic"`).
 */
export interface GoUrl {
  scheme: string;
  /** `user:pass` as written, or undefined when there is no `@`. */
  userinfo: string | undefined;
  /** Go's `URL.Host`: host and port exactly as written (`registry.ollama.ai:443` stays so). */
  host: string;
  /** The path as Go's `EscapedPath()` gives it (escapes validated, re-escaped where Go would). */
  path: string;
  rawQuery: string;
  /** Whether the URL had a `?` (Go's ForceQuery for an empty query). */
  hasQuery: boolean;
  fragment: string | undefined;
}

export function goParseUrl(raw: string): GoUrl {
  if (/[\x00-\x1f\x7f]/.test(raw)) {
    throw new ProtocolError('url/control-char', `invalid control character in URL ${JSON.stringify(raw)}`);
  }
  let rest = raw;
  let fragment: string | undefined;
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.\-]*):/.exec(rest);
  if (schemeMatch) {
    scheme = schemeMatch[1]!.toLowerCase(); // Go lower-cases the scheme, and only the scheme.
    rest = rest.slice(schemeMatch[0].length);
  } else if (/^[^/?]*:/.test(rest)) {
    throw new ProtocolError('url/missing-scheme', `first path segment in URL cannot contain colon: ${JSON.stringify(raw)}`);
  }
  let rawQuery = '';
  let hasQuery = false;
  const q = rest.indexOf('?');
  if (q !== -1) {
    rawQuery = rest.slice(q + 1);
    hasQuery = true;
    rest = rest.slice(0, q);
  }
  let userinfo: string | undefined;
  let host = '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash === -1 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    if (at !== -1) {
      userinfo = authority.slice(0, at);
      host = authority.slice(at + 1);
    } else {
      host = authority;
    }
  }
  return { scheme, userinfo, host, path: goEscapedPath(rest), rawQuery, hasQuery, fragment };
}

/** Go `URL.String()` for the URLs above. */
export function goUrlString(u: GoUrl): string {
  let out = '';
  if (u.scheme) out += u.scheme + ':';
  if (u.scheme || u.host || u.userinfo !== undefined) {
    if (u.host || u.path || u.userinfo !== undefined) out += '//';
    if (u.userinfo !== undefined) out += u.userinfo + '@';
    out += u.host;
  }
  if (u.path && !u.path.startsWith('/') && u.host) out += '/';
  out += u.path;
  if (u.hasQuery || u.rawQuery) out += '?' + u.rawQuery;
  if (u.fragment) out += '#' + u.fragment;
  return out;
}

/** Go `URL.RequestURI()`: the path (`/` when empty) plus `?query` when there is one. */
export function goRequestUri(u: GoUrl): string {
  const path = u.path === '' ? '/' : u.path;
  return u.hasQuery || u.rawQuery ? `${path}?${u.rawQuery}` : path;
}
