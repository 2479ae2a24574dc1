/**
 * From what the intercept proxy captured to what the recording pipeline (save.ts) takes: each exchange
 * as a HAR entry in Polly's shape (unredacted until redactEntry), what the Redactor learns from it, and
 * whether the whole exchange is the flow the user asked to record.
 */
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { credentialKind } from '../redaction/index.js';
import type { InterceptedExchange } from '../intercept/proxy.js';
import { classifyEntries } from './annotate.js';
import type { RecordFlow } from './flows.js';
import type { NameValue } from './har.js';
import type { SeenExchange } from './redact.js';
import type { UnannotatedEntry } from './save.js';

function pairs(raw: readonly string[]): NameValue[] {
  const out: NameValue[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i]!, value: raw[i + 1]! });
  return out;
}

function first(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** The URL as it went on the wire: the client's scheme, its Host header as sent, the target as sent. */
export function exchangeUrl(exchange: InterceptedExchange): string {
  return `${exchange.scheme}://${exchange.host ?? exchange.hostname}${exchange.target}`;
}

/**
 * The response body as the client read it. A compressed body is decoded: the cassette keeps text, and
 * the redactor and the scanner must see the secrets inside it (a token response sent gzipped).
 */
function decodedBody(exchange: InterceptedExchange): Buffer {
  const encoding = (first(exchange.responseHeaders, 'content-encoding') ?? '').trim().toLowerCase();
  const body = exchange.responseBody;
  if (body.length === 0) return body;
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  return body;
}

/** Text when the bytes are UTF-8 (every auth exchange is), base64 otherwise (a blob: kept, not redacted). */
function content(body: Buffer): { text: string; encoding?: 'base64' } {
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body) ? { text } : { text: body.toString('base64'), encoding: 'base64' };
}

/** What the Redactor learns from one exchange before any entry is saved. */
export function seenExchange(exchange: InterceptedExchange): SeenExchange {
  const body = content(decodedBody(exchange));
  const record = (raw: readonly string[]): Record<string, string> => Object.fromEntries(pairs(raw).map((h) => [h.name.toLowerCase(), h.value]));
  return {
    url: exchangeUrl(exchange),
    requestHeaders: record(exchange.requestHeaders),
    status: exchange.status,
    responseHeaders: record(exchange.responseHeaders),
    responseBody: body.encoding === undefined ? body.text : undefined,
  };
}

const VOLATILE_QUERY = /(?:^|&)(?:ts|nonce)=[^&]*/g;

/** Polly-style `_id`: the request without its per-run values (ts, nonce) and without credentials. */
function entryId(exchange: InterceptedExchange): string {
  const [path, query = ''] = exchange.target.split('?', 2) as [string, string?];
  const stable = `${exchange.method} ${exchange.scheme}://${exchange.hostname}${path}?${query.replace(VOLATILE_QUERY, '')}\n${exchange.requestBody.toString('base64')}`;
  return createHash('md5').update(stable).digest('hex');
}

/** The exchanges as HAR entries, in the order their requests reached the proxy. */
export function exchangeEntries(exchanges: readonly InterceptedExchange[]): UnannotatedEntry[] {
  const seen = new Map<string, number>();
  return exchanges.map((exchange) => {
    const id = entryId(exchange);
    const order = seen.get(id) ?? 0;
    seen.set(id, order + 1);
    const responseBody = decodedBody(exchange);
    const compressed = responseBody !== exchange.responseBody;
    // A decoded body no longer has the Content-Encoding it arrived with: drop it with the bytes it described.
    const responseHeaders = pairs(exchange.responseHeaders).filter((h) => !(compressed && h.name.toLowerCase() === 'content-encoding'));
    const requestText = exchange.requestBody.length === 0 ? undefined : content(exchange.requestBody);
    return {
      _id: id,
      _order: order,
      cache: {},
      startedDateTime: new Date(exchange.startedAt).toISOString(),
      time: 0,
      timings: {},
      request: {
        method: exchange.method,
        url: exchangeUrl(exchange),
        httpVersion: 'HTTP/1.1',
        headers: pairs(exchange.requestHeaders),
        queryString: [],
        cookies: [],
        headersSize: -1,
        bodySize: exchange.requestBody.length,
        ...(requestText === undefined ? {} : {
          postData: { mimeType: first(exchange.requestHeaders, 'content-type') ?? 'application/octet-stream', params: [], text: requestText.text },
        }),
      },
      response: {
        status: exchange.status,
        statusText: exchange.statusText,
        httpVersion: 'HTTP/1.1',
        headers: responseHeaders,
        cookies: [],
        content: { mimeType: first(exchange.responseHeaders, 'content-type') ?? 'text/plain', size: responseBody.length, ...content(responseBody) },
        redirectURL: first(exchange.responseHeaders, 'location') ?? '',
        headersSize: -1,
        bodySize: responseBody.length,
      },
    };
  });
}

/**
 * Why the exchange is not the flow asked for (one sentence), or undefined when it is: the same bar the
 * reference client's recording meets (a registry flow has a token request; a run ends in success).
 */
export function flowMismatch(flow: RecordFlow, exchanges: readonly InterceptedExchange[]): string | undefined {
  const entries = exchangeEntries(exchanges);
  const roles = classifyEntries(entries);
  const kinds = exchanges.map((e) => credentialKind(first(e.requestHeaders, 'authorization')));
  const last = exchanges[exchanges.length - 1]!;
  if (flow === 'registry') {
    if (!roles.includes('challenge')) return 'the exchange has no 401 Bearer challenge, so it is not a registry flow';
    if (!roles.includes('token')) return 'the exchange has no token request, so it is not a registry flow';
  } else if (flow === 'direct') {
    if (roles.includes('token')) return 'the exchange has a token request, so it is a registry flow, not a direct one';
    if (!kinds.includes('ollama-signature')) return 'no request carries an Ollama signature (Authorization: <public key>:<signature>), so it is not a direct flow';
  } else if (flow === 'api-key') {
    if (roles.includes('token')) return 'the exchange has a token request, so it is a registry flow, not an api-key one';
    if (!kinds.includes('bearer')) return 'no request carries Authorization: Bearer <API key>, so it is not an api-key flow';
  } else if (!kinds.includes('basic')) {
    return 'no request carries Authorization: Basic, so it is not a basic flow';
  }
  if (last.status < 200 || last.status > 299) return `the last response was ${last.status} ${last.statusText}, so the flow did not complete`;
  return undefined;
}
