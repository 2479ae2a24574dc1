/**
 * The probe's HTTP client: node:http/https with one keep-alive agent, a bounded number of requests in
 * flight, a per-request timeout, TLS options per request (CA, client certificate, server name), and
 * raw request targets: `/%61pi/tags` and `http://host/api/tags` go on the request line byte for byte.
 *
 * It never throws for what the server (or the network) did: every exchange ends in an ExchangeOutcome,
 * which the classifier reads. Only a bug of ours throws.
 */
import http from 'node:http';
import https from 'node:https';
import type { ExchangeOutcome } from '../rules/probe/observations.js';

/** Body bytes kept per answer: enough to match Ollama's answer whole (a long /api/tags list included). */
const BODY_LIMIT = 1024 * 1024;

interface TlsClientOptions {
  /** PEM of the CA the server certificate must chain to; undefined: Node's default store. */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  /** true: refuse to send when the server certificate does not verify (requests that carry secrets). */
  verify: boolean;
}

export interface WireRequest {
  method: string;
  /** Request target, sent verbatim. */
  target: string;
  headers: Record<string, string>;
  body: string;
  tls?: TlsClientOptions;
  /** This request's own timeout (ms), when it may take longer than the others. */
  timeoutMs?: number;
}

export interface Transport {
  send(request: WireRequest): Promise<ExchangeOutcome>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export interface TransportOptions {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  timeoutMs: number;
  concurrency: number;
}

/**
 * Error codes of Node's own certificate verification: the request was not sent because the server
 * could not be authenticated (not a refusal by the server).
 */
const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'INVALID_CA', 'CERT_CHAIN_TOO_LONG',
]);

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/** What a failed exchange means, from the error Node raised. */
function outcomeOfError(err: NodeJS.ErrnoException, sent: boolean): ExchangeOutcome {
  const code = err.code ?? '';
  const detail = code === '' ? err.message : `${code}: ${err.message}`;
  if (VERIFY_CODES.has(code)) return { kind: 'not-sent', message: `not sent, because it carries credentials and the server certificate did not verify (${detail}); pass --ca FILE for a private CA, or --insecure to send them anyway` };
  if (UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', message: detail };
  if (code.startsWith('ERR_SSL_') || /ssl|tls|alert|handshake/i.test(err.message)) return { kind: 'tls-refused', message: detail };
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(err.message)) {
    return sent ? { kind: 'connection-closed', message: detail } : { kind: 'tls-refused', message: `the connection was closed before a request could be sent (${detail})` };
  }
  return { kind: 'connection-closed', message: detail };
}

/** Run at most `limit` tasks at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function createTransport(opts: TransportOptions): Transport {
  const agent = opts.scheme === 'https'
    ? new https.Agent({ keepAlive: true, maxSockets: opts.concurrency })
    : new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const run = limiter(opts.concurrency);

  const sendOnce = (req: WireRequest): Promise<ExchangeOutcome> => new Promise((resolve) => {
    let settled = false;
    let requestWritten = false;
    const finish = (outcome: ExchangeOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const headers: Record<string, string> = { ...req.headers };
    // Methods without a body by convention get no Content-Length; every other one says 0 rather than
    // letting Node switch to chunked encoding for an empty body.
    if (req.body !== '' || !BODYLESS_METHODS.has(req.method)) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs;
    const common: http.RequestOptions = { host: opts.host, port: opts.port, method: req.method, path: req.target, headers, agent, timeout: timeoutMs };
    const options: https.RequestOptions = opts.scheme === 'https'
      ? {
        ...common,
        rejectUnauthorized: req.tls?.verify ?? false,
        ...(req.tls?.ca !== undefined ? { ca: req.tls.ca } : {}),
        ...(req.tls?.cert !== undefined ? { cert: req.tls.cert, key: req.tls.key } : {}),
        ...(req.tls?.servername !== undefined ? { servername: req.tls.servername } : {}),
      }
      : common;
    const client = opts.scheme === 'https' ? https.request(options) : http.request(options);
    // Node upper-cases the method it is given, but writes the request line from `method` only when the
    // headers are flushed: setting it back keeps a spelling such as `get` (Go's server accepts any
    // token, and gin answers it 405; a proxy may let it past a method matcher).
    if (req.method !== req.method.toUpperCase()) client.method = req.method;
    client.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < BODY_LIMIT) chunks.push(chunk.subarray(0, BODY_LIMIT - kept));
        kept += chunk.length;
      });
      const answer = (): ExchangeOutcome => ({
        kind: 'response', status: res.statusCode ?? 0, headers: flatHeaders(res.headers), bodySnippet: Buffer.concat(chunks).toString('utf8'),
        ...(kept > BODY_LIMIT ? { truncated: true } : {}),
      });
      res.on('end', () => finish(answer()));
      // A proxy that closes mid-body: what arrived still tells who answered.
      res.on('aborted', () => finish(answer()));
      res.on('error', () => finish(answer()));
    });
    client.on('timeout', () => {
      finish({ kind: 'timeout', message: `no answer within ${timeoutMs} ms` });
      client.destroy();
    });
    client.on('error', (err: NodeJS.ErrnoException) => finish(outcomeOfError(err, requestWritten)));
    client.on('finish', () => {
      requestWritten = true;
    });
    client.end(req.body === '' ? undefined : req.body);
  });

  return {
    send: (req) => run(() => sendOnce(req)),
    close: () => agent.destroy(),
  };
}
