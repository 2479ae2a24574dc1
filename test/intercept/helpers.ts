/**
 * Shared set-up of the intercept tests: a stub upstream that echoes what it received (method, Host, URL,
 * headers) as JSON, the per-run CA in a temp directory, and the proxy routing the two public names to
 * the stub. Everything listens on 127.0.0.1 and is removed by stop().
 */
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterceptCa, type InterceptCa } from '../../src/intercept/ca.js';
import { applyInterceptEnvironment } from '../../src/intercept/environment.js';
import { startInterceptProxy, type InterceptObservation, type InterceptProxy } from '../../src/intercept/proxy.js';

export const ROUTED_NAMES = ['ollama.com', 'registry.ollama.ai'] as const;

export interface EchoedRequest {
  method: string;
  host: string | undefined;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface StubUpstream {
  origin: string;
  received: EchoedRequest[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<StubUpstream> {
  const received: EchoedRequest[] = [];
  const server = http.createServer((req, res) => {
    const echoed = { method: req.method ?? '', host: req.headers.host, url: req.url ?? '', headers: req.headers };
    received.push(echoed);
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ method: echoed.method, host: echoed.host, url: echoed.url });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface InterceptFixture {
  dir: string;
  home: string;
  ca: InterceptCa;
  proxy: InterceptProxy;
  upstream: StubUpstream;
  observed: InterceptObservation[];
  /** PATH and a private HOME, then exactly what applyInterceptEnvironment() adds. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startInterceptFixture(): Promise<InterceptFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oac-intercept-'));
  const home = path.join(dir, 'home');
  const stops: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    mkdirSync(home);
    // Guard for curl, which has no hook of its own: had it ignored the proxy, the routed names resolve to a
    // closed loopback port instead of a real host (curl reads $HOME/.curlrc unless run with -q).
    writeFileSync(path.join(home, '.curlrc'), ROUTED_NAMES.flatMap((name) => [`resolve = ${name}:443:127.0.0.1`, `resolve = ${name}:80:127.0.0.1`]).join('\n') + '\n');
    const upstream = await startEchoUpstream();
    stops.unshift(() => upstream.close());
    const ca = await createInterceptCa({ dir, hostnames: [...ROUTED_NAMES] });
    const observed: InterceptObservation[] = [];
    const proxy = await startInterceptProxy({
      routes: ROUTED_NAMES.map((hostname) => ({ hostname, upstream: upstream.origin })),
      ca,
      onObservation: (o) => observed.push(o),
    });
    stops.unshift(() => proxy.close());
    const stop = async (): Promise<void> => {
      for (const step of stops) await step();
    };
    return {
      dir, home, ca, proxy, upstream, observed, stop,
      env: (extra = {}) => applyInterceptEnvironment({ PATH: process.env.PATH, HOME: home, ...extra }, proxy.url, ca.bundlePath),
    };
  } catch (err) {
    for (const step of stops) await step();
    throw err;
  }
}

export type StackName = 'curl' | 'requests' | 'httpx' | 'go' | 'undici' | 'node-fetch';

const FIXTURES = path.join(process.cwd(), 'test', 'intercept', 'fixtures');

/** How each stack's test client is started for a list of URLs; `env` is the environment to run it in. */
export function stackCommand(stack: StackName, urls: readonly string[], fixture: InterceptFixture, env: NodeJS.ProcessEnv): { command: string; args: string[]; env: NodeJS.ProcessEnv; timeoutMs: number } {
  switch (stack) {
    case 'curl':
      return { command: 'curl', args: ['-sS', ...urls.flatMap((url) => [url, '-w', '\\n'])], env, timeoutMs: 30_000 };
    case 'requests':
      return { command: '/usr/bin/python3', args: [path.join(FIXTURES, 'requests_client.py'), ...urls], env, timeoutMs: 30_000 };
    case 'httpx':
      return { command: '/usr/bin/python3', args: [path.join(FIXTURES, 'httpx_client.py'), ...urls], env, timeoutMs: 30_000 };
    case 'go': {
      const gocache = path.join(fixture.dir, 'gocache');
      mkdirSync(gocache, { recursive: true });
      // GOPATH mode, standard library only: no module download, no GOPATH content needed.
      const goEnv = { ...env, GO111MODULE: 'off', GOCACHE: gocache, GOPATH: path.join(fixture.dir, 'gopath'), GOFLAGS: '' };
      return { command: 'go', args: ['run', path.join(FIXTURES, 'go_client.go'), ...urls], env: goEnv, timeoutMs: 120_000 };
    }
    case 'undici':
      return { command: process.execPath, args: [path.join(FIXTURES, 'undici_client.mjs'), ...urls], env, timeoutMs: 30_000 };
    case 'node-fetch':
      return { command: process.execPath, args: [path.join(FIXTURES, 'node_fetch_client.mjs'), ...urls], env, timeoutMs: 30_000 };
  }
}
