/**
 * Running the mutants and the correct client they derive from, and the one server these tests need that
 * test/reference and test/examples do not have: http and https on the same port (a downgraded realm).
 *
 * Every process is spawned asynchronously: the servers that answer it live in this same Node process.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { Recorded, Reply } from '../reference/helpers/server.js';

export const PYTHON = '/usr/bin/python3';
export const MUTANT_SCRIPT = 'examples/mutants/mutant.py';
export const BASE_CLIENT = 'examples/python/client.py';
/** The name under which tests run the unmutated client. */
export const BASE = 'base';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `/usr/bin/python3 <args>` with exactly `env`, from the repository root. */
export function runPython(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Exec contract v1's environment: HOME, OLLAMA_AUTH=1, PATH, plus what a test grants (API key, CA file). */
export function contractEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    OLLAMA_AUTH: '1',
    ...(process.env['TMPDIR'] ? { TMPDIR: process.env['TMPDIR'] } : {}),
    ...extra,
  };
}

/** `who` is BASE (examples/python/client.py) or a mutant name (examples/mutants/mutant.py <name>). */
export function runSubject(who: string, action: string, target: string, home: string, extra: Record<string, string> = {}): Promise<Run> {
  const args = who === BASE ? [BASE_CLIENT, action, target] : [MUTANT_SCRIPT, who, action, target];
  return runPython(args, contractEnv(home, extra));
}

export interface DualRecorded extends Recorded {
  scheme: 'http' | 'https';
}

export interface DualServer {
  port: number;
  /** `https://127.0.0.1:PORT` and `http://127.0.0.1:PORT`: one host:port, two schemes. */
  httpsOrigin: string;
  httpOrigin: string;
  requests: DualRecorded[];
  close(): Promise<void>;
}

const TLS_HANDSHAKE = 0x16;

/**
 * One loopback port that speaks TLS to a client starting with a TLS handshake and plain HTTP to any
 * other: the exact shape of an `http://` realm on the host:port of an `https://` registry.
 */
export async function startDualServer(tls: { key: string; cert: string }, handler: (req: DualRecorded) => Reply): Promise<DualServer> {
  const requests: DualRecorded[] = [];
  const onRequest = (scheme: 'http' | 'https') => (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: DualRecorded = {
        method: req.method ?? '',
        target: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        absoluteUrl: `${scheme}://${req.headers.host ?? ''}${req.url ?? ''}`,
        scheme,
      };
      requests.push(recorded);
      const reply = handler(recorded);
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  };
  const plain = http.createServer(onRequest('http'));
  const secure = https.createServer({ key: tls.key, cert: tls.cert }, onRequest('https'));
  const sockets = new Set<Socket>();
  const front = createNetServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('readable', () => {
      const first: Buffer | null = socket.read(1);
      if (first === null) {
        socket.destroy();
        return;
      }
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? secure : plain).emit('connection', socket);
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as AddressInfo).port;
  return {
    port,
    httpsOrigin: `https://127.0.0.1:${port}`,
    httpOrigin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      plain.close();
      secure.close();
    },
  };
}
