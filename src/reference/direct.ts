/**
 * Direct signed requests to ollama.com (docs/protocol.md §2): no token exchange, the Authorization carries a
 * signature over `<METHOD>,<path>?ts=<unix>` (S1/S3/S4/S5) or `<METHOD>,<RequestURI>` (S2/S6/S7).
 *
 * The key is loaded before any I/O (KEY-05): a bad key fails here and nothing that claims to be signed
 * leaves the machine. A streamed response with an error status fails even when its body is empty
 * (ERR-02; Ollama's `stream` would return nil).
 */
import { StringDecoder } from 'node:string_decoder';
import { AuthError } from '../errors.js';
import { formatAuthorization, type AuthorizationForm } from '../protocol/authorization.js';
import { buildDirectRequest, buildRequestUriRequest } from '../protocol/signing.js';
import { redactHeaders, type Exchange } from './exchange.js';
import {
  DEFAULT_USER_AGENT, joinUrl, mergeHeaders, sendRequest, toBuffer, type HttpOptions, type HttpResponse,
} from './http.js';
import { nowSeconds, resolveKey, type KeySource } from './key-source.js';
import { bodyForMessage, bodyText, errorFromResponse } from './responses.js';

/**
 * `path-ts`: S1 (api/client.go), sign `<METHOD>,<path>?ts=<ts>` and send base + path with `ts` in the query.
 * `request-uri`: S2/S6/S7, set `ts` in the full URL's query (sorted, overwriting any `ts`) and sign `<METHOD>,<RequestURI>`.
 */
type DirectFlavour = 'path-ts' | 'request-uri';

export interface SignedRequestOptions {
  /** e.g. `https://ollama.com`, or `http://127.0.0.1:PORT` for an emulator. */
  baseUrl: string;
  method: string;
  /** The API path, e.g. `/api/tags`; for `request-uri` it may carry a query. */
  path: string;
  /** JSON text or bytes; sent with `Content-Type: application/json`. Never part of the signature (DIR-03). */
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Default `path-ts` (Ollama's API client). */
  flavour?: DirectFlavour;
  /** `raw` `<A>:<B>` (S1/S2/S6/S7, default) or `bearer` `Bearer <A>:<B>` (S3/S4/S5). */
  headerForm?: AuthorizationForm;
  key: KeySource;
  /** Unix seconds (default: the clock, read per request: DIR-05). */
  now?: () => number;
  http?: HttpOptions;
  /** See HttpRequest.onData. */
  onData?: (chunk: Buffer, status: number) => void;
}

export interface SignedResult {
  response: HttpResponse;
  /** The URL sent (with `ts`). */
  url: string;
  signedString: string;
  ts: number;
  exchange: Exchange;
}

export async function signedRequest(opts: SignedRequestOptions): Promise<SignedResult> {
  const key = resolveKey(opts.key);
  const ts = (opts.now ?? nowSeconds)();
  const flavour = opts.flavour ?? 'path-ts';
  const built = flavour === 'path-ts'
    ? buildDirectRequest(opts.method, opts.baseUrl, opts.path, ts)
    : buildRequestUriRequest(opts.method, joinUrl(opts.baseUrl, opts.path), ts);
  const authorization = formatAuthorization(key.publicKeyField, key.sign(built.signedString), opts.headerForm ?? 'raw');
  const body = toBuffer(opts.body);
  const headers = mergeHeaders(
    { Accept: 'application/json', 'User-Agent': DEFAULT_USER_AGENT },
    body === undefined ? undefined : { 'Content-Type': 'application/json' },
    opts.headers,
    { Authorization: authorization },
  );
  const exchange: Exchange = { step: 'request', method: opts.method, url: built.url, status: undefined, sentHeaders: redactHeaders(headers), redirects: [] };
  const response = await sendRequest({
    ...opts.http, method: opts.method, url: built.url, headers,
    ...(body === undefined ? {} : { body }), ...(opts.onData ? { onData: opts.onData } : {}),
  });
  exchange.status = response.status;
  exchange.redirects = response.redirects;
  if (response.status >= 400) throw errorFromResponse('direct', response);
  return { response, url: built.url, signedString: built.signedString, ts, exchange };
}

export interface DirectCallOptions {
  headerForm?: AuthorizationForm;
  now?: () => number;
  http?: HttpOptions;
}

export interface JsonResult<T = unknown> extends SignedResult {
  json: T;
}

function parseJsonBody(result: SignedResult, what: string): unknown {
  const body = bodyText(result.response);
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new AuthError('direct/bad-response', `${what} answered ${result.response.status} with a body that is not JSON: ${JSON.stringify(bodyForMessage(body))}`, {
      status: result.response.status, body, cause: err,
    });
  }
}

/** `POST /api/me` signed `POST,/api/me?ts=…` (api.Client.Whoami, what `ollama signin` checks). */
export async function whoami(baseUrl: string, key: KeySource, options: DirectCallOptions = {}): Promise<JsonResult> {
  const result = await signedRequest({ ...options, baseUrl, method: 'POST', path: '/api/me', key });
  return { ...result, json: parseJsonBody(result, 'POST /api/me') };
}

/** `GET /api/tags` signed `GET,/api/tags?ts=…` (api.Client.List; the desktop app sends it Bearer-form: headerForm 'bearer'). */
export async function listTags(baseUrl: string, key: KeySource, options: DirectCallOptions = {}): Promise<JsonResult> {
  const result = await signedRequest({ ...options, baseUrl, method: 'GET', path: '/api/tags', key });
  return { ...result, json: parseJsonBody(result, 'GET /api/tags') };
}

export interface ChatOptions extends DirectCallOptions {
  /** Read the response as NDJSON, one message per line (Ollama streams by default). Default false. */
  stream?: boolean;
  /** Each streamed message as it arrives. */
  onMessage?: (message: Record<string, unknown>) => void;
}

export interface ChatResult extends SignedResult {
  /** The one response object, or every streamed line in order. */
  messages: Record<string, unknown>[];
}

/** Splits NDJSON chunks into lines and turns each into a message; an `error` line is an error (api/client.go stream). */
class NdjsonReader {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private lineNo = 0;
  readonly messages: Record<string, unknown>[] = [];

  constructor(private readonly onMessage: ((m: Record<string, unknown>) => void) | undefined) {}

  push(chunk: Buffer, status: number): void {
    this.pending += this.decoder.write(chunk);
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.line(line, status);
    }
  }

  end(status: number): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.line(this.pending, status);
    this.pending = '';
  }

  private line(raw: string, status: number): void {
    this.lineNo++;
    const line = raw.trim();
    if (line === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new AuthError('direct/stream-error', `line ${this.lineNo} of the stream is not JSON: ${JSON.stringify(bodyForMessage(line))}`, { status, body: line, cause: err });
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new AuthError('direct/stream-error', `line ${this.lineNo} of the stream is not a JSON object: ${bodyForMessage(line)}`, { status, body: line });
    }
    const message = json as Record<string, unknown>;
    if (message['error'] !== undefined) {
      const said = typeof message['error'] === 'string' ? message['error'] : JSON.stringify(message['error']);
      throw new AuthError('direct/stream-error', `stream error: ${said}`, { status, body: line });
    }
    this.messages.push(message);
    this.onMessage?.(message);
  }
}

/**
 * `POST /api/chat` (S1). With `stream`, the NDJSON body is read line by line as it arrives; an error
 * status is an error whatever the body (empty included), a 2xx line with `error` is `direct/stream-error`.
 */
export async function chat(baseUrl: string, key: KeySource, body: unknown, options: ChatOptions = {}): Promise<ChatResult> {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const { stream, onMessage, ...call } = options;
  if (!stream) {
    const result = await signedRequest({ ...call, baseUrl, method: 'POST', path: '/api/chat', body: text, key });
    const json = parseJsonBody(result, 'POST /api/chat');
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new AuthError('direct/bad-response', `POST /api/chat answered with ${JSON.stringify(json)}, expected a JSON object`, {
        status: result.response.status, body: bodyText(result.response),
      });
    }
    return { ...result, messages: [json as Record<string, unknown>] };
  }
  const reader = new NdjsonReader(onMessage);
  const result = await signedRequest({
    ...call, baseUrl, method: 'POST', path: '/api/chat', body: text, key,
    headers: { Accept: 'application/x-ndjson' },
    // Error statuses are judged on the whole body by signedRequest; only 2xx bodies are read as a stream.
    onData: (chunk, status) => {
      if (status < 400) reader.push(chunk, status);
    },
  });
  reader.end(result.response.status);
  return { ...result, messages: reader.messages };
}
