/**
 * A loopback test server that records exactly what arrived (raw request target, raw header lines, body)
 * and answers from a handler. It knows nothing of src/: what the client sent is judged in the tests with
 * node:crypto and the golden vectors.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface Recorded {
  method: string;
  /** The request-target exactly as received (path and query, byte for byte). */
  target: string;
  headers: http.IncomingHttpHeaders;
  /** Header lines as received: [name, value, name, value, …]. */
  rawHeaders: string[];
  body: Buffer;
  /** `http://` or `https://` + Host + target: the absolute URL the client addressed. */
  absoluteUrl: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Sent one after another with a pause, to exercise streaming readers. */
  chunks?: string[];
  /** Pause between chunks (default 5 ms). */
  chunkDelayMs?: number;
  /** After the chunks, keep the response open without ending it. */
  stallAfterChunks?: boolean;
  /** Never answer (timeout tests). */
  hang?: boolean;
}

export type Handler = (req: Recorded) => Reply | Promise<Reply>;

export interface ServerTls {
  key: string;
  cert: string;
  /** CA for client certificates; with requireClientCert the handshake fails without one. */
  ca?: string;
  requireClientCert?: boolean;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface TestServer {
  port: number;
  /** `http://127.0.0.1:PORT` or `https://…`. */
  origin: string;
  /** `127.0.0.1:PORT`. */
  hostPort: string;
  requests: Recorded[];
  /** Requests whose target starts with `prefix`. */
  requestsTo(prefix: string): Recorded[];
  handler: Handler;
  /** Handshakes or connections that failed before a request arrived (mTLS refusals). */
  tlsErrors: Error[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler, tls?: ServerTls): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const requests: Recorded[] = [];
  const tlsErrors: Error[] = [];
  const scheme = tls ? 'https' : 'http';
  const state: { handler: Handler } = { handler };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        target: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        absoluteUrl: `${scheme}://${req.headers.host ?? ''}${req.url ?? ''}`,
      };
      requests.push(recorded);
      Promise.resolve()
        .then(() => state.handler(recorded))
        .then(async (reply) => {
          if (reply.hang) return;
          res.writeHead(reply.status, reply.headers ?? {});
          if (reply.chunks) {
            for (const chunk of reply.chunks) {
              res.write(chunk);
              await new Promise((r) => setTimeout(r, reply.chunkDelayMs ?? 5));
            }
            if (!reply.stallAfterChunks) res.end();
          } else {
            res.end(reply.body ?? '');
          }
        })
        .catch((err: unknown) => {
          res.writeHead(599, { 'Content-Type': 'text/plain' });
          res.end(`test handler failed: ${String(err)}`);
        });
    });
  };

  const server = tls
    ? https.createServer({
        key: tls.key,
        cert: tls.cert,
        ...(tls.ca ? { ca: tls.ca } : {}),
        requestCert: tls.requireClientCert ?? false,
        rejectUnauthorized: tls.requireClientCert ?? false,
        ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
      }, onRequest)
    : http.createServer(onRequest);
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  server.on('connection', track);
  server.on('secureConnection', track);
  server.on('tlsClientError', (err: Error, tlsSocket: Socket) => {
    tlsErrors.push(err);
    tlsSocket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test server has no port');
  const port = address.port;
  return {
    port,
    origin: `${scheme}://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    requests,
    requestsTo: (prefix) => requests.filter((r) => r.target.startsWith(prefix)),
    get handler() {
      return state.handler;
    },
    set handler(h: Handler) {
      state.handler = h;
    },
    tlsErrors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Replies a handler often needs. */
export const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(value),
});
