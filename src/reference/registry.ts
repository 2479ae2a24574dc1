/**
 * The registry challenge flow (docs/protocol.md §1): request → 401 + Bearer challenge → signed GET of the token
 * URL on the realm → retry once with `Authorization: Bearer <token>`.
 *
 * Byte-exact with Ollama on the wire (token URL, signed string, header forms), stricter where docs/protocol.md
 * marks a check [HARDEN]: an RFC parser for the challenge (REG-03/04, F-05..07), no https→http realm
 * (REG-10), an empty token fails instead of retrying bare (REG-12), and a second 401 fails without a
 * second token fetch (REG-14). The realm-host check is Ollama's own exact `URL.Host` compare (F-03: no
 * default-port normalisation, so `registry.ollama.ai:443` ≠ `registry.ollama.ai`).
 */
import { AuthError, ProtocolError } from '../errors.js';
import { formatAuthorization } from '../protocol/authorization.js';
import { parseBearerChallenge, type BearerChallenge } from '../protocol/challenge.js';
import { goParseUrl } from '../protocol/go-url.js';
import { newNonce } from '../protocol/nonce.js';
import { registrySignedString } from '../protocol/signing.js';
import { parseTokenResponse } from '../protocol/token-response.js';
import { buildTokenUrl, urlHost } from '../protocol/token-url.js';
import { redactHeaders, type Exchange } from './exchange.js';
import {
  DEFAULT_USER_AGENT, displayUrl, mergeHeaders, requestHeader, sendRequest, toBuffer, type HttpOptions, type HttpResponse,
} from './http.js';
import { nowSeconds, resolveKey, type KeySource } from './key-source.js';
import { bodyText, jsonErrorFields, statusAndBody } from './responses.js';

/** What Ollama asks a registry for (server/images.go pullModelManifest). */
const MANIFEST_V2_ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json';

interface RegistryPolicy {
  /** Allow an http realm for an https resource (Ollama does; REG-10 says refuse). Default false. */
  allowHttpRealm?: boolean;
  /** Accept a Docker-style `access_token` when `token` is absent. Default true. */
  acceptAccessToken?: boolean;
}

export interface RegistryRequestOptions {
  /** The resource, e.g. `https://registry.ollama.ai/v2/library/llama3/manifests/latest`. */
  url: string;
  method?: string;
  /** Default `Accept: application/vnd.docker.distribution.manifest.v2+json`. */
  headers?: Record<string, string>;
  /** Sent on the first request and again, unchanged, on the retry. */
  body?: Buffer | string;
  /** Read only when a challenge arrives and has passed every check, as Ollama reads the key file. */
  key: KeySource;
  http?: HttpOptions;
  /** Unix seconds for the token URL's `ts`. */
  now?: () => number;
  /** 16 bytes for the token URL's nonce (default: fresh random bytes per token request). */
  nonceBytes?: () => Uint8Array;
  /** A token already held for this operation: sent on the first request (REG-15). */
  token?: string;
  policy?: RegistryPolicy;
  /** Called after each request with what was sent (credentials redacted) and the status, success or not. */
  onExchange?: (exchange: Exchange) => void;
}

export interface RegistryResult {
  response: HttpResponse;
  /** The token used for the successful response (the one passed in, or the one fetched). */
  token: string | undefined;
  /** The signed token URL, when a token was fetched. */
  tokenUrl: string | undefined;
  exchanges: Exchange[];
}

function challengeError(err: ProtocolError, res: HttpResponse, method: string, url: string): AuthError {
  const details = { status: res.status, body: bodyText(res), cause: err };
  const where = `${method} ${displayUrl(url)}`;
  switch (err.code) {
    case 'challenge/missing':
      return new AuthError('registry/challenge-missing',
        `${where} answered 401 without a WWW-Authenticate challenge: expected Bearer realm="…" naming the token endpoint`, details);
    case 'challenge/not-bearer':
      return new AuthError('registry/challenge-not-bearer', `${where} answered 401 but ${err.message}`, details);
    default:
      return new AuthError('registry/challenge-malformed', `${where} answered 401 with an unusable challenge: ${err.message} (${err.code})`, details);
  }
}

/** Status of a resource response that is final: 404 and other ≥400 become errors (ERR-03, §1.1 step 7). */
function checkResourceStatus(res: HttpResponse, method: string, url: string): void {
  if (res.status === 404) {
    throw new AuthError('registry/not-found', `file does not exist: ${method} ${displayUrl(url)} answered 404`, {
      status: 404, body: bodyText(res),
    });
  }
  if (res.status >= 400) {
    const body = bodyText(res);
    throw new AuthError('registry/http-error', statusAndBody(res.status, body), { status: res.status, body });
  }
}

type Send = (step: Exchange['step'], method: string, url: string, headers: Record<string, string>, body: Buffer | undefined) => Promise<HttpResponse>;

/** Sends one request and logs it (credentials redacted) in `exchanges` and to `onExchange`, success or not. */
function exchangeSender(opts: RegistryRequestOptions, exchanges: Exchange[]): Send {
  return async (step, sendMethod, url, headers, sendBody) => {
    const exchange: Exchange = { step, method: sendMethod, url, status: undefined, sentHeaders: redactHeaders(headers), redirects: [] };
    exchanges.push(exchange);
    try {
      const res = await sendRequest({ ...opts.http, method: sendMethod, url, headers, ...(sendBody === undefined ? {} : { body: sendBody }) });
      exchange.status = res.status;
      exchange.redirects = res.redirects;
      return res;
    } finally {
      opts.onExchange?.(exchange);
    }
  };
}

function challengeOf(first: HttpResponse, method: string, url: string): BearerChallenge {
  try {
    return parseBearerChallenge(first.headers['www-authenticate']);
  } catch (err) {
    if (err instanceof ProtocolError) throw challengeError(err, first, method, url);
    throw err;
  }
}

/**
 * The token URL the challenge asks for (sorted query, fresh ts and nonce), refused when its host is not
 * the resource's (Ollama's check, wording included: server/auth.go L59-62, exact URL.Host strings) or when
 * it would downgrade an https resource to a plain-http token request.
 */
function tokenUrlFor(challenge: BearerChallenge, first: HttpResponse, opts: RegistryRequestOptions): { tokenUrl: string; realmHost: string } {
  const ts = (opts.now ?? nowSeconds)();
  const nonce = newNonce(opts.nonceBytes?.());
  let tokenUrl: string;
  try {
    tokenUrl = buildTokenUrl({ realm: challenge.realm, service: challenge.service ?? '', scope: challenge.scope ?? '', ts, nonce });
  } catch (err) {
    if (err instanceof ProtocolError) {
      throw new AuthError('registry/challenge-malformed', `realm ${JSON.stringify(challenge.realm)} is not a usable URL: ${err.message} (${err.code})`, {
        status: first.status, body: bodyText(first), cause: err,
      });
    }
    throw err;
  }
  const resource = goParseUrl(opts.url);
  const realmHost = urlHost(tokenUrl);
  if (realmHost !== resource.host) {
    throw new AuthError('registry/realm-host',
      `realm host ${JSON.stringify(realmHost)} does not match original host ${JSON.stringify(resource.host)}`,
      { status: first.status, body: bodyText(first) });
  }
  if (resource.scheme === 'https' && goParseUrl(tokenUrl).scheme !== 'https' && opts.policy?.allowHttpRealm !== true) {
    throw new AuthError('registry/realm-downgrade',
      `refusing to send a signed token request over plain http: realm ${JSON.stringify(challenge.realm)} for https resource ${displayUrl(opts.url)} (set policy.allowHttpRealm to allow)`,
      { status: first.status, body: bodyText(first) });
  }
  return { tokenUrl, realmHost };
}

/** The signed token request, and the token from its answer (an error answer keeps Ollama's signin_url). */
async function fetchToken(send: Send, tokenUrl: string, opts: RegistryRequestOptions, userAgent: string): Promise<string> {
  const key = resolveKey(opts.key);
  const authorization = formatAuthorization(key.publicKeyField, key.sign(registrySignedString(tokenUrl)), 'raw');
  const tokenRes = await send('token', 'GET', tokenUrl, { Authorization: authorization, 'User-Agent': userAgent }, undefined);
  const tokenBody = bodyText(tokenRes);
  if (tokenRes.status >= 400) {
    const { signinUrl } = jsonErrorFields(tokenBody);
    throw new AuthError('registry/token-endpoint', statusAndBody(tokenRes.status, tokenBody), {
      status: tokenRes.status, body: tokenBody, ...(signinUrl === undefined ? {} : { signinUrl }),
    });
  }
  try {
    return parseTokenResponse(tokenBody, { acceptAccessToken: opts.policy?.acceptAccessToken ?? true });
  } catch (err) {
    if (err instanceof ProtocolError) {
      throw new AuthError('registry/token-response', `${err.message} (${err.code})`, { status: tokenRes.status, body: tokenBody, cause: err });
    }
    throw err;
  }
}

export async function registryRequest(opts: RegistryRequestOptions): Promise<RegistryResult> {
  const method = opts.method ?? 'GET';
  // One Buffer for both sends: the retry carries the same bytes (Ollama rewinds with Seek(0)).
  const body = toBuffer(opts.body);
  const baseHeaders = mergeHeaders({ Accept: MANIFEST_V2_ACCEPT, 'User-Agent': DEFAULT_USER_AGENT }, opts.headers);
  const exchanges: Exchange[] = [];
  const send = exchangeSender(opts, exchanges);

  const first = await send('resource', method, opts.url,
    opts.token === undefined ? baseHeaders : mergeHeaders(baseHeaders, { Authorization: `Bearer ${opts.token}` }), body);
  if (first.status !== 401) {
    checkResourceStatus(first, method, opts.url);
    return { response: first, token: opts.token, tokenUrl: undefined, exchanges };
  }
  const challenge = challengeOf(first, method, opts.url);
  const { tokenUrl, realmHost } = tokenUrlFor(challenge, first, opts);
  const token = await fetchToken(send, tokenUrl, opts, requestHeader(baseHeaders, 'User-Agent') ?? DEFAULT_USER_AGENT);

  const retry = await send('retry', method, opts.url, mergeHeaders(baseHeaders, { Authorization: `Bearer ${token}` }), body);
  if (retry.status === 401) {
    throw new AuthError('registry/unauthorized',
      `unauthorized: access denied (the registry refused the token from ${JSON.stringify(realmHost)} with 401; not fetching a second one)`,
      { status: 401, body: bodyText(retry) });
  }
  checkResourceStatus(retry, method, opts.url);
  return { response: retry, token, tokenUrl, exchanges };
}
