/**
 * The API-key flow (docs/protocol.md §3): `Authorization: Bearer <OLLAMA_API_KEY>` to ollama.com.
 *
 * Hardened (KEY-API-02): the key goes only to origins the caller allows (default https://ollama.com),
 * compared after WHATWG normalisation (`https://OLLAMA.com:443` is `https://ollama.com`), so a key is never
 * sent to a local server or a look-alike host as ollama-python does; an empty key is refused before any
 * I/O instead of sending `Bearer ` (apikey/no-empty-bearer); a cross-origin redirect drops it (http.ts).
 */
import { AuthError } from '../errors.js';
import { redactHeaders, type Exchange } from './exchange.js';
import { DEFAULT_USER_AGENT, errorMessage, joinUrl, mergeHeaders, sendRequest, toBuffer, type HttpOptions, type HttpResponse } from './http.js';
import { errorFromResponse } from './responses.js';

const DEFAULT_API_KEY_ORIGINS: readonly string[] = ['https://ollama.com'];

export interface ApiKeyRequestOptions {
  baseUrl: string;
  method: string;
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  apiKey: string;
  /** Origins (`scheme://host[:port]`) the key may be sent to. Default `['https://ollama.com']`. */
  allowedOrigins?: readonly string[];
  http?: HttpOptions;
}

export interface ApiKeyResult {
  response: HttpResponse;
  url: string;
  exchange: Exchange;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch (err) {
    throw new AuthError('http/bad-url', `${JSON.stringify(url)} is not a URL: ${errorMessage(err)}`, { cause: err });
  }
}

export async function apiKeyRequest(opts: ApiKeyRequestOptions): Promise<ApiKeyResult> {
  if (opts.apiKey.trim() === '') {
    throw new AuthError('apikey/empty', 'OLLAMA_API_KEY is empty: refusing to send "Authorization: Bearer " without a credential; create a key at https://ollama.com/settings/keys');
  }
  if (/[\s\x00-\x1f\x7f]/.test(opts.apiKey)) {
    // A key read from a file often ends in "\n"; sending it would break the header (or be refused by node).
    throw new AuthError('apikey/invalid', `OLLAMA_API_KEY contains whitespace or control characters (${opts.apiKey.length} chars); strip them`);
  }
  const url = joinUrl(opts.baseUrl, opts.path);
  const origin = originOf(url);
  const allowed = (opts.allowedOrigins ?? DEFAULT_API_KEY_ORIGINS).map(originOf);
  if (!allowed.includes(origin)) {
    throw new AuthError('apikey/origin-not-allowed',
      `refusing to send OLLAMA_API_KEY to ${origin}: only ${allowed.join(', ')} (pass allowedOrigins to widen)`);
  }
  const body = toBuffer(opts.body);
  const headers = mergeHeaders(
    { Accept: 'application/json', 'User-Agent': DEFAULT_USER_AGENT },
    body === undefined ? undefined : { 'Content-Type': 'application/json' },
    opts.headers,
    { Authorization: `Bearer ${opts.apiKey}` },
  );
  const exchange: Exchange = { step: 'request', method: opts.method, url, status: undefined, sentHeaders: redactHeaders(headers), redirects: [] };
  const response = await sendRequest({ ...opts.http, method: opts.method, url, headers, ...(body === undefined ? {} : { body }) });
  exchange.status = response.status;
  exchange.redirects = response.redirects;
  if (response.status >= 400) throw errorFromResponse('apikey', response);
  return { response, url, exchange };
}
