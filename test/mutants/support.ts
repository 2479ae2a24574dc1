/**
 * Running the mutants and the correct client they derive from, and the one server these tests need that
 * test/reference and test/examples do not have: http and https on the same port (a downgraded realm).
 *
 * Every process is spawned asynchronously: the servers that answer it live in this same Node process.
 */
import { runProcess } from '../helpers/process.js';
import { listen } from '../../src/conformance/listener.js';
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
  return runProcess(PYTHON, args, { env, timeoutMs });
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

/**
 * One loopback port that speaks TLS to a client starting with a TLS handshake and plain HTTP to any
 * other: the exact shape of an `http://` realm on the host:port of an `https://` registry.
 */
export async function startDualServer(tls: { key: string; cert: string }, handler: (req: DualRecorded) => Reply): Promise<DualServer> {
  const requests: DualRecorded[] = [];
  // The harness's own dual-protocol listener (first byte 0x16 → TLS), so the test server and the
  // conformance server cannot disagree about how one port speaks both.
  const listener = await listen((req, res, scheme) => {
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
  }, { key: tls.key, cert: tls.cert });
  const port = listener.port;
  return {
    port,
    httpsOrigin: `https://127.0.0.1:${port}`,
    httpOrigin: `http://127.0.0.1:${port}`,
    requests,
    close: () => listener.close(),
  };
}
