/**
 * createEmulator: an offline stand-in for registry.ollama.ai and ollama.com on node:http(s), built on
 * src/protocol. It verifies for real (signatures, ts window, nonces, authorized keys), answers in the
 * shapes clients meet in the wild, and logs every request with the findings of the checks it ran.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { HarnessError, OacError } from '../errors.js';
import { redactHeaders, type EmulatorEvent } from './events.js';
import { failureReply, route } from './handler.js';
import { resolveOptions, type EmulatorOptions, type EmulatorState } from './options.js';
import { headerSafe, REASON_HEADER, type Reply } from './replies.js';
import { toEmulatorRequest } from './request.js';

export interface Emulator {
  /** Listens; resolves with the listening origin (`http://127.0.0.1:<port>`) and port. */
  start(): Promise<{ url: string; port: number }>;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
  /** The origin clients use: publicOrigin, else the listening origin (throws before start()). */
  readonly origin: string;
  /** Every request so far, in arrival order. */
  readonly log: EmulatorEvent[];
}

/** Request bodies above this are refused (413): the emulated endpoints take small JSON bodies. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  let listening: string | undefined;
  const state = resolveOptions(options, () => listening);
  const log: EmulatorEvent[] = [];
  const server: Server = state.tls
    ? createHttpsServer({ cert: state.tls.cert, key: state.tls.key, ca: state.tls.ca, requestCert: state.tls.requestCert ?? false, rejectUnauthorized: false })
    : createHttpServer();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void serve(state, req, res, (event) => {
      log.push(event);
      options.onEvent?.(event);
    });
  });

  return {
    async start() {
      if (listening !== undefined) throw new HarnessError('emulator/already-started', `the emulator is already listening on ${listening}`);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(state.port, state.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const port = (server.address() as AddressInfo).port;
      const host = state.host.includes(':') ? `[${state.host}]` : state.host;
      listening = `${state.tls ? 'https' : 'http'}://${host}:${port}`;
      return { url: listening, port };
    },
    async stop() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
    get origin() {
      return state.origin();
    },
    log,
  };
}

export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Drain to the end even past the limit: leaving the loop early would destroy the socket before the 413 is sent.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

async function serve(state: EmulatorState, req: IncomingMessage, res: ServerResponse, record: (event: EmulatorEvent) => void): Promise<void> {
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  let reply: Reply;
  try {
    const body = await readBody(req);
    if (body === undefined) {
      reply = failureReply(target, 413, 'SIZE_INVALID', `request body larger than ${MAX_BODY_BYTES} bytes`);
    } else {
      const socket = req.socket as Partial<TLSSocket>;
      const certAuthorized = state.tls?.requestCert ? socket.authorized === true : undefined;
      reply = route(state, toEmulatorRequest(method, target, req.headers, body, certAuthorized));
    }
  } catch (err) {
    // The emulator itself broke: say so (500 + reason) and keep serving; never blame the client.
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof OacError ? err.code : 'emulator/internal';
    reply = { ...failureReply(target, 500, 'UNKNOWN', `emulator error: ${message}`), reason: `${code}: ${message}` };
  }
  try {
    send(res, reply, method);
  } catch (err) {
    // Writing failed (a header Node refuses, a socket gone): record it rather than lose the event.
    const message = err instanceof Error ? err.message : String(err);
    reply = { ...reply, status: res.headersSent ? reply.status : 500, reason: `emulator/internal: could not send the response: ${message}` };
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  }
  const event: EmulatorEvent = {
    at: new Date(state.nowMs()).toISOString(),
    method,
    url: target,
    headers: redactHeaders(req.headers),
    status: reply.status,
    findings: reply.findings,
  };
  if (reply.reason !== undefined) event.reason = reply.reason;
  record(event);
}

export function send(res: ServerResponse, reply: Reply, method: string): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.reason !== undefined) headers[REASON_HEADER] = headerSafe(reply.reason);
  if (reply.chunks !== undefined) {
    res.writeHead(reply.status, headers);
    for (const chunk of reply.chunks) res.write(chunk);
    res.end();
    return;
  }
  const body = reply.body === undefined ? undefined : typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : Buffer.from(reply.body);
  if (headers['Content-Length'] === undefined) headers['Content-Length'] = String(body?.length ?? 0);
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}
