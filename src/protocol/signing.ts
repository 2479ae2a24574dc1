/**
 * Every string Ollama signs (docs/protocol.md §1.4 and §2.2), built from the request, so the client and
 * the server side rebuild the same bytes.
 */
import { createHash } from 'node:crypto';
import { goEncodeValues, goParseQuery, goParseUrl, goRequestUri, goSet, goUrlString } from './go-url.js';

/**
 * base64(hex(sha256(""))): the "content hash" field of Ollama's 2023 signature format, still the
 * third field of the registry token request's signed string (server/auth.go@fb30760 L64-65).
 */
export const EMPTY_BODY_HASH_FIELD = Buffer.from(createHash('sha256').update('').digest('hex')).toString('base64');

/** S8, registry token request: `GET,<token URL>,<empty-body hash>`. Always GET (POST was reverted in 2024). */
export function registrySignedString(tokenUrl: string): string {
  return `GET,${tokenUrl},${EMPTY_BODY_HASH_FIELD}`;
}

export interface DirectRequest {
  /** What the client sends: base URL + path, with `ts` set in the (sorted) query. */
  url: string;
  /** What it signs. */
  signedString: string;
}

/**
 * S1 (api/client.go `do`): signs `<METHOD>,<path>?ts=<unix>` where `path` is the API path constant,
 * and sends `base.JoinPath(path)` with `ts` set in the base URL's query, re-encoded.
 */
export function buildDirectRequest(method: string, baseUrl: string, path: string, ts: number | string): DirectRequest {
  const base = goParseUrl(baseUrl);
  const { values } = goParseQuery(base.rawQuery);
  goSet(values, 'ts', String(ts));
  const joinedPath = base.path.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  const url = goUrlString({ ...base, path: joinedPath, rawQuery: goEncodeValues(values), hasQuery: true });
  return { url, signedString: directSignedString(method, path, ts) };
}

export function directSignedString(method: string, path: string, ts: number | string): string {
  return `${method},${path}?ts=${ts}`;
}

/**
 * S2/S6/S7 (cloud proxy, updater, app): set `ts` in the URL's query (overwriting any), re-encode the
 * whole query sorted, and sign `<METHOD>,<RequestURI>`.
 */
export function buildRequestUriRequest(method: string, url: string, ts: number | string): DirectRequest {
  const parsed = goParseUrl(url);
  const { values } = goParseQuery(parsed.rawQuery);
  goSet(values, 'ts', String(ts));
  const signedUrl = { ...parsed, rawQuery: goEncodeValues(values), hasQuery: true };
  return { url: goUrlString(signedUrl), signedString: `${method},${goRequestUri(signedUrl)}` };
}

/** Server side of S2: the string a correct client signed for a request received as `METHOD requestUri`. */
export function requestUriSignedString(method: string, requestUri: string): string {
  return `${method},${requestUri}`;
}
