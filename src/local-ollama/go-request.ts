/**
 * How Go's net/http (the version Ollama's go.mod names) turns a request target into URL.Path, and how
 * http.DefaultServeMux cleans it, re-stated for the stand-in. Paths are "byte strings": each char holds
 * one byte (0-255), because Go decodes %XX into raw bytes that need not be UTF-8.
 *
 * Behaviour described (not copied) from Go's net/url (ParseRequestURI, unescape, shouldEscape,
 * validEncoded, EscapedPath) and net/http (ServeMux path cleaning, http.Redirect).
 */

export interface ParsedTarget {
  form: 'origin' | 'absolute' | 'asterisk';
  /** URL.Path: the decoded path (byte string). */
  path: string;
  /** URL.EscapedPath(): what ServeMux cleans. */
  escapedPath: string;
  /** URL.RawQuery (without `?`); undefined when the target had no `?`. */
  rawQuery: string | undefined;
  /** For absolute-form targets, the authority Go puts into Request.Host. */
  authority?: string;
}

export class BadTargetError extends Error {}

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Go's unescape in path mode: %XX → byte; a `%` without two hex digits is an error. */
function goUnescapePath(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = s.slice(i + 1, i + 3);
    if (!HEX.test(hex)) throw new BadTargetError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
    out += String.fromCharCode(parseInt(hex, 16));
    i += 2;
  }
  return out;
}

function isUnreserved(c: string): boolean {
  return /^[A-Za-z0-9\-_.~]$/.test(c);
}

/** Go's shouldEscape(c, encodePath). */
function shouldEscapeInPath(c: string): boolean {
  if (isUnreserved(c)) return false;
  return !'$&+,/:;=@'.includes(c);
}

/** Go's escape(s, encodePath): what URL.EscapedPath returns when RawPath is not usable. */
function goEscapePath(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += shouldEscapeInPath(c) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

/** Go's validEncoded(s, encodePath): may the raw spelling stand as the escaped path? */
function validEncodedPath(s: string): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]%".includes(c)) continue;
    if (shouldEscapeInPath(c)) return false;
  }
  return true;
}

function hasControlByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * url.ParseRequestURI as net/http calls it: `*`, an origin-form path (`//x` stays a path: no authority
 * through a request line), or an absolute URI whose authority becomes Request.Host. The fragment is not
 * split off. Throws BadTargetError where Go answers `400 Bad Request`.
 */
export function parseRequestTarget(target: string): ParsedTarget {
  if (target === '') throw new BadTargetError('empty request target');
  if (hasControlByte(target)) throw new BadTargetError('control byte in request target');
  if (target === '*') return { form: 'asterisk', path: '*', escapedPath: '*', rawQuery: undefined };
  let rest = target;
  let form: ParsedTarget['form'] = 'origin';
  let authority: string | undefined;
  if (!rest.startsWith('/')) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
    if (!scheme) throw new BadTargetError('invalid URI for request');
    rest = rest.slice(scheme[0].length);
    if (!rest.startsWith('//')) throw new BadTargetError('request target has a scheme but no authority');
    rest = rest.slice(2);
    const slash = rest.search(/[/?]/);
    authority = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    form = 'absolute';
  }
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const rawQuery = q < 0 ? undefined : rest.slice(q + 1);
  const path = goUnescapePath(rawPath);
  const escapedPath = validEncodedPath(rawPath) ? rawPath : goEscapePath(path);
  return authority === undefined ? { form, path, escapedPath, rawQuery } : { form, path, escapedPath, rawQuery, authority };
}

/** path.Clean for slash-separated paths (Go's lexical rules). */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(segment);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** ServeMux's cleanPath: rooted, path.Clean, trailing slash kept. */
export function muxCleanPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  let np = goPathClean(rooted);
  if (rooted.endsWith('/') && np !== '/') np += '/';
  return np;
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;' })[c]!);
}

function hexEscapeNonAscii(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    out += code >= 0x80 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : s[i];
  }
  return out;
}

export interface GoRedirect {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * http.Redirect with an absolute-path URL: the path part is cleaned again (trailing slash kept), the
 * short HTML body is written for GET only, its Content-Type set for GET and HEAD.
 */
export function goRedirect(method: string, url: string, status: number): GoRedirect {
  const q = url.indexOf('?');
  let pathPart = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const trailing = pathPart.endsWith('/');
  pathPart = goPathClean(pathPart);
  if (trailing && !pathPart.endsWith('/')) pathPart += '/';
  const location = pathPart + query;
  const headers: Record<string, string> = { Location: hexEscapeNonAscii(location) };
  if (method === 'GET' || method === 'HEAD') headers['Content-Type'] = 'text/html; charset=utf-8';
  const text = status === 301 ? 'Moved Permanently' : status === 307 ? 'Temporary Redirect' : 'Redirect';
  const body = method === 'GET' ? `<a href="${htmlEscape(location)}">${text}</a>.\n\n` : '';
  return { status, headers, body };
}

/** URL.String() of a URL that has only Path (no RawPath) and RawQuery, as Go builds redirect targets. */
export function goUrlString(path: string, rawQuery: string | undefined): string {
  return goEscapePath(path) + (rawQuery === undefined || rawQuery === '' ? '' : `?${rawQuery}`);
}
