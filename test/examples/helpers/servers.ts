/**
 * Servers the example clients talk to, all on 127.0.0.1 port 0:
 *
 * - `startEmulatorBehindRecorder`: the project's emulator (it verifies with the protocol core and logs
 *   findings) behind a recording pass-through, so that the tests also see the raw Authorization values
 *   the emulator's log redacts and can verify them independently with node:crypto. The emulator's
 *   public origin is the recorder's, so realms and signed URLs name the address the clients use.
 * - `startScriptedRegistry`: a registry whose challenge and token answers a test chooses (hostile or
 *   unusual servers), independent of src/.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/index.js';
import { startServer, type Recorded, type Reply, type ServerTls, type TestServer } from '../../reference/helpers/server.js';

export interface Exchange {
  request: Recorded;
  status: number;
  body: string;
}

export interface RecordedEmulator {
  emulator: Emulator;
  front: TestServer;
  /** Every request with the emulator's answer, in arrival order. */
  exchanges: Exchange[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function forward(upstream: URL, req: Recorded): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const back: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
        }
        resolve({ status: res.statusCode ?? 0, headers: back, body: Buffer.concat(chunks) });
      });
    });
    out.on('error', reject);
    out.end(req.body);
  });
}

export async function startEmulatorBehindRecorder(options: Omit<EmulatorOptions, 'publicOrigin' | 'port' | 'host'> = {}): Promise<RecordedEmulator> {
  const exchanges: Exchange[] = [];
  const upstream: { url?: URL } = {};
  const front = await startServer(async (req): Promise<Reply> => {
    if (upstream.url === undefined) throw new Error('the emulator is not listening yet');
    const res = await forward(upstream.url, req);
    exchanges.push({ request: req, status: res.status, body: res.body.toString('utf8') });
    return { status: res.status, headers: res.headers, body: res.body };
  });
  const emulator = createEmulator({ ...options, publicOrigin: front.origin });
  const { url } = await emulator.start();
  upstream.url = new URL(url);
  return {
    emulator,
    front,
    exchanges,
    close: async () => {
      await front.close();
      await emulator.stop();
    },
  };
}

/** The manifest the scripted registry serves (any JSON does: the clients print it verbatim). */
export const SCRIPTED_MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[]}\n';
export const SCRIPTED_PATH = '/v2/library/llama3/manifests/latest';

export interface ScriptedRegistryOptions {
  /** WWW-Authenticate field value(s) of the 401, given the server's origin; undefined: no header at all. */
  challenge: (origin: string) => string | string[] | undefined;
  /** The token endpoint's answer (default: `{"token": <fresh opaque token>}`). */
  tokenReply?: (req: Recorded) => Reply;
  /** Answer 401 even to a valid token (a registry that refuses the key's account). */
  alwaysUnauthorized?: boolean;
  tls?: ServerTls;
}

export interface ScriptedRegistry {
  server: TestServer;
  /** Tokens handed out, in order. */
  issued: string[];
  resourceRequests(): Recorded[];
  tokenRequests(): Recorded[];
}

export async function startScriptedRegistry(opts: ScriptedRegistryOptions): Promise<ScriptedRegistry> {
  const issued: string[] = [];
  const origin: { value: string } = { value: '' };
  const server = await startServer((req) => {
    if (req.target.startsWith('/v2/token')) {
      if (opts.tokenReply) return opts.tokenReply(req);
      const token = `opaque.${randomBytes(12).toString('base64url')}==`;
      issued.push(token);
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) };
    }
    if (req.target === SCRIPTED_PATH) {
      const auth = req.headers.authorization;
      if (!opts.alwaysUnauthorized && auth !== undefined && issued.some((t) => auth === `Bearer ${t}`)) {
        return { status: 200, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: SCRIPTED_MANIFEST };
      }
      const challenge = opts.challenge(origin.value);
      return {
        status: 401,
        headers: { 'Content-Type': 'application/json', ...(challenge === undefined ? {} : { 'WWW-Authenticate': challenge }) },
        body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
      };
    }
    return { status: 404, body: '404 page not found' };
  }, opts.tls);
  origin.value = server.origin;
  return {
    server,
    issued,
    resourceRequests: () => server.requests.filter((r) => r.target === SCRIPTED_PATH),
    tokenRequests: () => server.requestsTo('/v2/token'),
  };
}
