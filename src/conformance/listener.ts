/**
 * The conformance server's sockets. With TLS the main port speaks both protocols: the first byte of
 * a connection (0x16 = a TLS handshake) decides, so one host:port can be named `https://…` by the
 * resource and `http://…` by a downgraded realm, the exact shape of a downgrade attack.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https') => void;

export interface Listener {
  port: number;
  close(): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;

export async function listen(handler: Handler, tls: HttpsOptions | undefined, onTlsError: (err: Error) => void = () => undefined, host = '127.0.0.1'): Promise<Listener> {
  const http: Server = createHttpServer((req, res) => handler(req, res, 'http'));
  const https = tls ? createHttpsServer(tls, (req, res) => handler(req, res, 'https')) : undefined;
  const sockets = new Set<Socket>();
  const front: NetServer = createNetServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Errors on a client's socket (a reset, a TLS failure) end that connection, never the server.
    socket.on('error', () => socket.destroy());
    if (!https) {
      http.emit('connection', socket);
      socket.resume();
      return;
    }
    socket.once('readable', () => {
      const first: Buffer | null = socket.read(1);
      if (first === null) {
        socket.destroy();
        return;
      }
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      socket.resume();
    });
  });
  for (const server of [http, https]) server?.on('clientError', (_err, socket) => socket.destroy());
  // A client refusing our certificate (or offering no acceptable version) is an observation, not a crash.
  https?.on('tlsClientError', (err) => onTlsError(err));
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  return {
    port: (front.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      http.close();
      https?.close();
    },
  };
}
