/**
 * HTTP Basic auth (RFC 7617). Dead code in Ollama since 2023 (docs/protocol.md §1.8), kept because private
 * registries and proxies in front of Ollama use it, and a harness must tell a client what it sent.
 *
 * Credentials come from `username`/`password` or from the URL's userinfo (percent-decoded, as Go's
 * url.User decodes it); the userinfo itself never goes on the wire (request line or Host), and a
 * cross-origin redirect drops the header (http.ts).
 */
import { AuthError, ProtocolError } from '../errors.js';
import { goParseUrl, goUrlString, type GoUrl } from '../protocol/go-url.js';
import { redactHeaders, type Exchange } from './exchange.js';
import {
  DEFAULT_USER_AGENT, displayUrl, joinUrl, mergeHeaders, sendRequest, toBuffer, type HttpOptions, type HttpResponse,
} from './http.js';
import { bodyText, statusAndBody } from './responses.js';

export interface BasicRequestOptions {
  /** May carry `user:pass@`. */
  url: string;
  /** Explicit credentials (either field given) replace the URL's userinfo entirely; a missing password is "". */
  username?: string;
  password?: string;
  method?: string;
  /** Appended to `url`. */
  path?: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  http?: HttpOptions;
}

export interface BasicResult {
  response: HttpResponse;
  /** The URL sent: without userinfo. */
  url: string;
  exchange: Exchange;
}

function decodeUserinfoPart(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    throw new AuthError('basic/bad-userinfo', `the ${what} in the URL's userinfo has an invalid %-escape`, { cause: err });
  }
}

function credentialsFromUrl(url: GoUrl): { username?: string; password?: string } {
  if (url.userinfo === undefined) return {};
  const colon = url.userinfo.indexOf(':');
  const rawUser = colon === -1 ? url.userinfo : url.userinfo.slice(0, colon);
  const rawPass = colon === -1 ? undefined : url.userinfo.slice(colon + 1);
  return {
    username: decodeUserinfoPart(rawUser, 'username'),
    ...(rawPass === undefined ? {} : { password: decodeUserinfoPart(rawPass, 'password') }),
  };
}

export async function basicRequest(opts: BasicRequestOptions): Promise<BasicResult> {
  const method = opts.method ?? 'GET';
  let parsed: GoUrl;
  try {
    parsed = goParseUrl(opts.url);
  } catch (err) {
    if (err instanceof ProtocolError) throw new AuthError('http/bad-url', `${method} ${displayUrl(opts.url)}: ${err.message}`, { cause: err });
    throw err;
  }
  const fromUrl = credentialsFromUrl(parsed);
  const explicit = opts.username !== undefined || opts.password !== undefined;
  const username = (explicit ? opts.username : fromUrl.username) ?? '';
  const password = (explicit ? opts.password : fromUrl.password) ?? '';
  if (username === '') {
    throw new AuthError('basic/no-credentials', `no Basic credentials for ${method} ${displayUrl(opts.url)}: pass username/password or put user:pass@ in the URL`);
  }
  if (username.includes(':')) {
    throw new AuthError('basic/bad-username', 'a Basic username cannot contain ":" (RFC 7617 §2)');
  }
  if (/[\x00-\x1f\x7f]/.test(username + password)) {
    throw new AuthError('basic/bad-username', 'Basic credentials cannot contain control characters (RFC 7617 §2)');
  }
  const bare = goUrlString({ ...parsed, userinfo: undefined });
  const url = opts.path === undefined ? bare : joinUrl(bare, opts.path);
  const body = toBuffer(opts.body);
  const headers = mergeHeaders(
    { 'User-Agent': DEFAULT_USER_AGENT },
    opts.headers,
    { Authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` },
  );
  const exchange: Exchange = { step: 'request', method, url, status: undefined, sentHeaders: redactHeaders(headers), redirects: [] };
  const response = await sendRequest({ ...opts.http, method, url, headers, ...(body === undefined ? {} : { body }) });
  exchange.status = response.status;
  exchange.redirects = response.redirects;
  if (response.status >= 400) {
    const text = bodyText(response);
    throw new AuthError(response.status === 401 ? 'basic/unauthorized' : 'basic/http-error', statusAndBody(response.status, text), {
      status: response.status, body: text,
    });
  }
  return { response, url, exchange };
}
