/**
 * `createLocalOllama`: Ollama's REST API as `ollama serve` answers it at the catalogue's commit, without
 * auth, in this process (node:http). It answers every route of specs/routes.json the way Ollama does up to
 * the point where Ollama would act; past that it answers plausibly and flags the request in its log as
 * state-changing. The log is how tests prove that a probe never changed anything.
 *
 * Bounded: request bodies over `bodyLimitBytes` get 413 and the connection closes; slow clients are cut off
 * by header/request timeouts; nothing streams, so nothing waits on the client.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isIP } from 'node:net';
import { OacError } from '../errors.js';
import { loadRouteCatalogue, type RouteCatalogue } from './catalogue.js';
import { checkHandlersCoverCatalogue, runPipeline, type PipelineConfig, type PipelineRequest } from './pipeline.js';
import { redactHeaders, redactTarget } from './redact.js';
import type { Reply } from './replies.js';
import { ModelStore } from './store.js';

export interface LoggedRequest {
  seq: number;
  method: string;
  /** The request target as received, with credential-like query values reduced to their length. */
  target: string;
  /** Go's decoded URL.Path (null when Go would have refused the target). */
  path: string | null;
  /** Lower-cased; Authorization, Cookie and other credential headers reduced to a shape (`Basic <12 chars>`). */
  headers: Record<string, string>;
  bodyBytes: number;
  /** Catalogue id of the route whose pattern matched the path, or null. */
  route: string | null;
  status: number;
  /** true when Ollama would have pulled, pushed, created, copied, deleted, generated, signed out, spent... */
  stateChanging: boolean;
  reason: string;
}

export interface LocalOllamaOptions {
  /** Address to listen on (default 127.0.0.1). A loopback address also turns on Ollama's Host check. */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Installed model names (default one fixture model, `oac-fixture:latest`). */
  models?: readonly string[];
  /** What /api/version answers (default `0.0.0-oac`). */
  version?: string;
  /** Larger request bodies get 413 (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Called once per request after it was answered. */
  onRequest?: (entry: LoggedRequest) => void;
  /** Another catalogue file (tests); default specs/routes.json. */
  catalogue?: RouteCatalogue;
}

export interface LocalOllama {
  url: string;
  port: number;
  close(): Promise<void>;
  requests(): LoggedRequest[];
  clearRequests(): void;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_VERSION = '0.0.0-oac';

function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

function headerRecord(raw: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The wire form of a Reply: Content-Length as Go computes it (also on HEAD), never on 204 or 1xx. */
function wireHeaders(reply: Reply): Record<string, string | string[]> {
  const headers = { ...reply.headers };
  const hasLength = Object.keys(headers).some((h) => h.toLowerCase() === 'content-length');
  if (!hasLength && reply.status !== 204 && reply.status >= 200) headers['Content-Length'] = String(Buffer.byteLength(reply.body));
  return headers;
}

/** A request the HTTP parser refused (e.g. a method token Go accepts but llhttp does not): request line + headers. */
function parseRawHead(packet: Buffer | undefined): { method: string; target: string; httpVersion: string; headers: Record<string, string> } | undefined {
  if (!packet) return undefined;
  const text = packet.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [requestLine, ...lines] = text.slice(0, end).split('\r\n');
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/(1\.[01])$/.exec(requestLine ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { method: m[1]!, target: m[2]!, httpVersion: m[3]!, headers };
}

/** Appends one answered request to the log (numbered in order) and tells `onRequest`. */
type Recorder = (entry: Omit<LoggedRequest, 'seq'>) => void;

/** Answer a fully received request through the pipeline, then log it. */
function respond(config: PipelineConfig, record: Recorder, req: PipelineRequest, res: ServerResponse, rawHeaders: IncomingMessage['headers']): void {
  const answer = runPipeline(config, req);
  if (answer.closeConnection) res.shouldKeepAlive = false;
  res.writeHead(answer.reply.status, wireHeaders(answer.reply));
  res.end(req.method === 'HEAD' ? undefined : answer.reply.body);
  record({
    method: req.method,
    target: redactTarget(req.target),
    path: answer.path,
    headers: redactHeaders(rawHeaders),
    bodyBytes: req.body.length,
    route: answer.route,
    status: answer.reply.status,
    stateChanging: answer.stateChanging,
    reason: answer.reason,
  });
}

/** The stand-in's own 413 (not an Ollama answer): the body is over `bodyLimit`; the connection closes. */
function refuseTooLarge(record: Recorder, bodyLimit: number, req: IncomingMessage, res: ServerResponse, received: number): void {
  const body = `request body larger than ${bodyLimit} bytes\n`;
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' });
  res.end(body);
  record({
    method: req.method ?? '',
    target: redactTarget(req.url ?? ''),
    path: null,
    headers: redactHeaders(req.headers),
    bodyBytes: received,
    route: null,
    status: 413,
    stateChanging: false,
    reason: `refused by the stand-in: body over ${bodyLimit} bytes (not an Ollama answer)`,
  });
}

/**
 * Reads the body up to `bodyLimit`, then answers; a larger body (declared or sent) gets the 413. After a 413
 * the rest of the body is read and dropped, so the client sees the answer instead of a reset connection;
 * past a hard bound (or the request timeout) the connection is simply cut.
 */
function receiveBounded(config: PipelineConfig, record: Recorder, bodyLimit: number, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let refused = false;
  const discardBound = bodyLimit * 8 + DEFAULT_BODY_LIMIT;
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > bodyLimit) {
    refused = true;
    refuseTooLarge(record, bodyLimit, req, res, 0);
  }
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (refused) {
      if (received > discardBound) req.destroy();
      return;
    }
    if (received > bodyLimit) {
      refused = true;
      refuseTooLarge(record, bodyLimit, req, res, received);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    respond(config, record, { method: req.method ?? '', target: req.url ?? '', httpVersion: req.httpVersion, headers: headerRecord(req.headers), body: Buffer.concat(chunks) }, res, req.headers);
  });
  req.on('error', () => res.destroy());
}

/**
 * llhttp refuses some requests Go serves (a method token such as `get` or `OAC`): answer those from the
 * raw request head like Go would, so method spellings reach the router as they do in Ollama.
 */
function answerRefusedRequest(config: PipelineConfig, record: Recorder, err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
  if (!socket.writable) return;
  const head = err.code === 'HPE_INVALID_METHOD' ? parseRawHead(err.rawPacket) : undefined;
  if (!head) {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    return;
  }
  const req: PipelineRequest = { ...head, body: Buffer.alloc(0) };
  const answer = runPipeline(config, req);
  const headers = wireHeaders(answer.reply);
  const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`));
  socket.end(`HTTP/1.1 ${answer.reply.status} ${STATUS_CODES[answer.reply.status] ?? ''}\r\n${[...lines, 'Connection: close'].join('\r\n')}\r\n\r\n${answer.reply.body}`);
  record({ method: head.method, target: redactTarget(head.target), path: answer.path, headers: redactHeaders(head.headers), bodyBytes: 0, route: answer.route, status: answer.reply.status, stateChanging: answer.stateChanging, reason: answer.reason });
}

export async function createLocalOllama(options: LocalOllamaOptions = {}): Promise<LocalOllama> {
  const catalogue = options.catalogue ?? loadRouteCatalogue();
  checkHandlersCoverCatalogue(catalogue);
  const host = options.host ?? '127.0.0.1';
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 0) throw new OacError('local-ollama/bad-option', `bodyLimitBytes must be a non-negative integer, got ${String(options.bodyLimitBytes)}`);
  const log: LoggedRequest[] = [];
  const config: PipelineConfig = { catalogue, store: new ModelStore(options.models), version: options.version ?? DEFAULT_VERSION, listensOnLoopback: true };
  let seq = 0; // keeps counting across clearRequests(), so a number is never given twice
  const record: Recorder = (entry) => {
    const full = { seq: ++seq, ...entry };
    log.push(full);
    options.onRequest?.(full);
  };

  const server: Server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, requireHostHeader: false }, (req, res) => receiveBounded(config, record, bodyLimit, req, res));
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => answerRefusedRequest(config, record, err, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new OacError('local-ollama/listen', `cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  config.listensOnLoopback = isLoopback(address.address);
  const urlHost = isIP(address.address) === 6 ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    requests: () => log.map((e) => ({ ...e, headers: { ...e.headers } })),
    clearRequests: () => {
      log.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
