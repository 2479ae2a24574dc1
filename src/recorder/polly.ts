/**
 * Polly.js set-up shared by recording and replay:
 *
 * - node:http/https are intercepted by a subclass of @pollyjs/adapter-node-http that can dial another
 *   address than the URL names (curl's --connect-to). The reference client then uses the real host names
 *   (registry.ollama.ai, or stable names such as registry.emulated.test) with no test hook of its own, and
 *   the cassette records those names, never 127.0.0.1 and a random port.
 * - Replay also registers @pollyjs/adapter-fetch, so a TypeScript client built on fetch is intercepted
 *   too (an unintercepted request would silently reach the network).
 * - Persistence goes through subclasses of @pollyjs/persister-fs that keep the HAR in memory: the
 *   recorder decides whether and where to write (only after a successful run, atomically), and replay
 *   matches requests itself (replay.ts) instead of by Polly's hash ids.
 * - Polly's logger is silenced: its error log prints requests verbatim, Authorization included.
 */
import type { ClientRequest, RequestOptions } from 'node:http';
import { isIP } from 'node:net';
import { Polly, type PollyConfig, type Request as PollyRequest } from '@pollyjs/core';
import nodeHttpModule from '@pollyjs/adapter-node-http';
import fetchModule from '@pollyjs/adapter-fetch';
import fsPersisterModule from '@pollyjs/persister-fs';
import { HarnessError } from '../errors.js';

/**
 * These packages are CommonJS (`module.exports = Class`): under Node's ESM loader the default import is the
 * class itself, while their typings describe a namespace whose `default` is the class. Accept both.
 */
function interopDefault<T>(mod: unknown, what: string): T {
  if (typeof mod === 'function') return mod as T;
  const inner = (mod as { default?: unknown } | null)?.default;
  if (typeof inner === 'function') return inner as T;
  throw new HarnessError('record/polly-load', `${what}: no class in the module (neither the module nor its default export)`);
}

type NodeHttpAdapterClass = typeof nodeHttpModule extends { default: infer C } ? C : typeof nodeHttpModule;
type FetchAdapterClass = typeof fetchModule extends { default: infer C } ? C : typeof fetchModule;
type FsPersisterClass = typeof fsPersisterModule extends { default: infer C } ? C : typeof fsPersisterModule;

const NodeHttpAdapter = interopDefault<NodeHttpAdapterClass>(nodeHttpModule, '@pollyjs/adapter-node-http');
const FetchAdapter = interopDefault<FetchAdapterClass>(fetchModule, '@pollyjs/adapter-fetch');
const FsPersister = interopDefault<FsPersisterClass>(fsPersisterModule, '@pollyjs/persister-fs');

/** Where to dial instead: `host:port` (as in the URL; port always spelled out) → address. */
export interface DialTarget {
  host: string;
  port: number;
}
export type ConnectToMap = ReadonlyMap<string, DialTarget>;

/** A recorded HAR as Polly hands it to a persister (plain JSON). */
export type PollyHar = { log: { entries: Array<Record<string, unknown>> } & Record<string, unknown> };

/** Per-Polly state the adapter and persisters look up (Polly builds them itself, from classes). */
const connectToByPolly = new WeakMap<object, ConnectToMap>();
const savedByPolly = new WeakMap<object, PollyHar>();
const matcherByPolly = new WeakMap<object, (request: PollyRequest) => unknown>();

type NativeClientRequestCtor = new (options: RequestOptions, cb?: unknown) => ClientRequest;

function defaultPort(protocol: string | null | undefined): number {
  return protocol === 'https:' ? 443 : 80;
}

/** The options of one outgoing passthrough request, pointed at the dial target if the map names its host:port. */
export function reroute(options: RequestOptions, map: ConnectToMap): RequestOptions {
  const hostname = (options.hostname ?? options.host ?? '').replace(/^\[|\]$/g, '');
  const port = options.port === undefined || options.port === null || options.port === '' ? defaultPort(options.protocol) : Number(options.port);
  const target = map.get(`${hostname.toLowerCase()}:${port}`);
  if (target === undefined) return options;
  const headers = { ...(options.headers as Record<string, string> | undefined) };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) {
    headers['host'] = port === defaultPort(options.protocol) ? hostname : `${hostname}:${port}`;
  }
  const rerouted: RequestOptions & { servername?: string } = { ...options, hostname: target.host, host: target.host, port: target.port, headers };
  // TLS still names the original host: SNI and the certificate check are about registry.ollama.ai, not 127.0.0.1.
  if (options.protocol === 'https:' && isIP(hostname) === 0) {
    rerouted.servername = (options as { servername?: string }).servername ?? hostname;
  }
  return rerouted;
}

class RoutedNodeHttpAdapter extends NodeHttpAdapter {
  static override get id(): string {
    return 'oac-node-http';
  }

  override onConnect(): void {
    super.onConnect();
    const map = connectToByPolly.get(this.polly);
    if (map === undefined || map.size === 0) return;
    const self = this as unknown as { NativeClientRequest: NativeClientRequestCtor };
    const Native = self.NativeClientRequest;
    // The adapter builds every passthrough request with `new this.NativeClientRequest(options)`: a
    // constructor function that returns the real ClientRequest works with `new` and changes only where it dials.
    self.NativeClientRequest = function RoutedClientRequest(options: RequestOptions, cb?: unknown) {
      return new Native(reroute(options, map), cb);
    } as unknown as NativeClientRequestCtor;
  }
}

/** Record mode: Polly's HAR is kept in memory; recorder.ts decides what reaches the disk. */
class MemoryPersister extends FsPersister {
  static override get id(): string {
    return 'oac-memory';
  }

  override onFindRecording(): Promise<null> {
    return Promise.resolve(null);
  }

  override onSaveRecording(_recordingId: string, har: unknown): Promise<void> {
    savedByPolly.set(this.polly, JSON.parse(this.stringify(har)) as PollyHar);
    return Promise.resolve();
  }

  override onDeleteRecording(): Promise<void> {
    return Promise.resolve();
  }
}

/** Replay mode: entries are found by replay.ts's matcher (it throws the closest-match error on a miss). */
class CassettePersister extends MemoryPersister {
  static override get id(): string {
    return 'oac-cassette';
  }

  override findEntry(request: PollyRequest): Promise<never> {
    const matcher = matcherByPolly.get(this.polly);
    if (matcher === undefined) throw new HarnessError('record/polly-state', 'replay persister without a matcher');
    return Promise.resolve(matcher(request) as never);
  }
}

const VOLATILE_QUERY = new Set(['ts', 'nonce']);

/**
 * What Polly hashes into an entry's `_id` (informational here: replay.ts matches by its own rules). Secrets
 * and per-run values stay out of it, so the id neither changes between runs nor lets anyone test a guess
 * of a key against the cassette.
 */
const MATCH_REQUESTS_BY: NonNullable<PollyConfig['matchRequestsBy']> = {
  method: true,
  headers: { exclude: ['authorization', 'proxy-authorization', 'cookie', 'host', 'user-agent', 'content-length'] },
  body: true,
  order: true,
  url: {
    protocol: true,
    username: false,
    password: false,
    hostname: true,
    port: false,
    pathname: true,
    query: (query: Record<string, unknown>) => Object.fromEntries(Object.entries(query).filter(([k]) => !VOLATILE_QUERY.has(k))),
    hash: false,
  },
};

const BASE_CONFIG: PollyConfig = {
  logLevel: 'silent',
  recordFailedRequests: true,
  recordIfMissing: false,
  flushRequestsOnStop: true,
  expiresIn: null,
  matchRequestsBy: MATCH_REQUESTS_BY,
  persisterOptions: { keepUnusedRequests: false, disableSortingHarEntries: true },
};

export function startRecordingPolly(recordingName: string, connectTo: ConnectToMap): Polly {
  const polly = createPolly(recordingName, (p) => connectToByPolly.set(p, connectTo), {
    ...BASE_CONFIG,
    mode: 'record',
    adapters: [RoutedNodeHttpAdapter],
    persister: MemoryPersister,
  });
  return polly;
}

export function startReplayPolly(recordingName: string, matcher: (request: PollyRequest) => unknown): Polly {
  return createPolly(recordingName, (p) => matcherByPolly.set(p, matcher), {
    ...BASE_CONFIG,
    mode: 'replay',
    adapters: [RoutedNodeHttpAdapter, FetchAdapter],
    persister: CassettePersister,
  });
}

/**
 * Polly connects its adapters in the constructor, before `configure` could attach our state. State is
 * therefore registered on the instance Polly's `create` event hands out, which fires first.
 */
function createPolly(recordingName: string, attach: (polly: Polly) => void, config: PollyConfig): Polly {
  const onCreate = (polly: Polly): void => attach(polly);
  Polly.once('create', onCreate);
  try {
    return new Polly(recordingName, config);
  } catch (err) {
    Polly.off('create', onCreate);
    const message = err instanceof Error ? err.message : String(err);
    throw new HarnessError('record/polly-start', `could not start Polly.js: ${message} (is another Polly instance still running?)`, { cause: err });
  }
}

/** The HAR the memory persister received at `polly.stop()`. */
export function savedHar(polly: Polly): PollyHar | undefined {
  return savedByPolly.get(polly);
}

/** The exact URL on the wire: scheme, the Host header as sent (Go's URL.Host), the request target as sent. */
export function wireUrl(req: PollyRequest): string {
  const args = req.requestArguments as { parsedArguments?: { options?: { path?: string; protocol?: string; hostname?: string; host?: string; port?: number | string } } };
  const o = args.parsedArguments?.options;
  if (o?.path === undefined) return req.url;
  const protocol = o.protocol ?? 'http:';
  const hostHeader = req.getHeader('host');
  const host = typeof hostHeader === 'string' && hostHeader !== ''
    ? hostHeader
    : `${o.hostname ?? o.host ?? 'localhost'}${o.port === undefined || String(o.port) === (protocol === 'https:' ? '443' : '80') ? '' : `:${o.port}`}`;
  return `${protocol}//${host}${o.path}`;
}

export type { Polly, PollyRequest };
