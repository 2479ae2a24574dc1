/**
 * `recordCassette`: run one flow of the reference client under Polly.js against a target (the live
 * services, the emulator, or another local stand-in) and save what was said as a HAR cassette, but only
 * when the run succeeded (a failed handshake is reported, never saved), with every secret replaced by a
 * placeholder, provenance inside, after a strict secret scan and schema validation, written atomically,
 * with a summary of what changed against the cassette it replaces. Everything after "Polly has the HAR
 * entries" is save.ts's, shared with `oac record --intercept` (intercept-record.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { HarnessError, OacError } from '../errors.js';
import { loadOllamaKey, type OllamaKey } from '../keys/index.js';
import { goParseUrl } from '../protocol/go-url.js';
import type { KeySource, TlsOptions } from '../reference/index.js';
import type { CassetteDiff } from './diff.js';
import { findVariant, parseModel, DEFAULT_MODEL, type FlowContext, type RecordFlow, type VariantSpec } from './flows.js';
import { displayPath, type Cassette, type Origin } from './har.js';
import { savedHar, startRecordingPolly, wireUrl, type ConnectToMap, type DialTarget, type PollyRequest } from './polly.js';
import { DEFAULT_EXPIRES_IN, harnessVersion, parseExpiresIn, REFERENCE_CLIENT_NAME } from './provenance.js';
import { Redactor } from './redact.js';
import { redactEntry, saveRecording, type EntryTimes, type RecordedHar, type UnannotatedEntry } from './save.js';

export const LIVE_REGISTRY_ORIGIN = 'https://registry.ollama.ai';
export const LIVE_API_ORIGIN = 'https://ollama.com';

export type RecordTarget = 'live' | string | { registryOrigin: string; apiOrigin: string };

export interface RecordOptions {
  /** `live` (registry.ollama.ai + ollama.com), a base URL such as `http://127.0.0.1:11435`, or both origins. */
  target: RecordTarget;
  flow: RecordFlow | string;
  /** Default: the flow's first variant (registry: pull). */
  variant?: string;
  /** `ns/name:tag` for the registry flows (default library/llama3:latest). */
  model?: string;
  /** The signing key: an OllamaKey, a loader, or omitted for `~/.ollama/id_ed25519`. */
  key?: KeySource;
  apiKey?: string;
  basic?: { user: string; pass: string };
  /** Output file (default `<recordingsDir>/<flow>/<variant>.har`, see flows.ts). */
  out?: string;
  /** Default `recordings` (relative to the working directory). */
  recordingsDir?: string;
  /**
   * For a URL target: the origin the client uses (e.g. `http://registry.emulated.test`), while the
   * recorder dials the target URL. The cassette then holds this stable name, not 127.0.0.1 and a port.
   */
  publicOrigin?: string;
  /** `host:port` → `address:port` to dial instead (curl's --connect-to), applied by the recorder's transport. */
  connectTo?: Record<string, string> | ConnectToMap;
  /** TLS for the client (a private CA for a stand-in). */
  tls?: TlsOptions;
  /** Provenance label (default: `live` for the live target without connectTo, else `emulator`). */
  origin?: Origin;
  /** Clock in ms since the epoch (default Date.now); fixed for deterministic recordings. */
  now?: () => number;
  /** 16 bytes per token request (default: random). */
  nonceBytes?: () => Uint8Array;
  /** Validity after recording (`30d`; default 30d live, 3650d otherwise). */
  expiresIn?: string;
  /** The push variants write to the registry: against the live service they need this consent. */
  allowPush?: boolean;
  notes?: string;
  /** Default true; false: build, scan and validate, return the result, write nothing. */
  write?: boolean;
}

export interface RecordResult {
  path: string;
  cassette: Cassette;
  text: string;
  diff: CassetteDiff;
  written: boolean;
  spec: VariantSpec;
}

export class RecordError extends OacError {}

/** `--expires-in`, or the default for where the recording came from (30 days live, ten years otherwise). */
export function expirySeconds(expiresIn: string | undefined, origin: Origin): number {
  return parseExpiresIn(expiresIn ?? (origin === 'live' ? DEFAULT_EXPIRES_IN.live : DEFAULT_EXPIRES_IN.other));
}

interface ResolvedTarget {
  registryOrigin: string;
  apiOrigin: string;
  connectTo: Map<string, DialTarget>;
  origin: Origin;
  /** For messages: what was contacted, including where it was dialled. */
  described: string;
  /** For provenance: the origins the client used (never a dialled loopback port, which changes per run). */
  named: string;
}

function checkOrigin(what: string, value: string): string {
  const trimmed = value.replace(/\/+$/, '');
  let url;
  try {
    url = goParseUrl(trimmed);
  } catch (err) {
    throw new RecordError('record/bad-target', `${what} ${JSON.stringify(value)} is not a URL: ${(err as Error).message}`, { cause: err });
  }
  if ((url.scheme !== 'http' && url.scheme !== 'https') || url.host === '' || url.userinfo !== undefined || url.path !== '' || url.hasQuery || url.fragment !== undefined) {
    throw new RecordError('record/bad-target', `${what} must be "http(s)://host[:port]" without path, query or credentials, got ${JSON.stringify(value)}`);
  }
  return trimmed;
}

/** `host:port` of an origin, the port spelled out (the map's key form). */
function hostPort(origin: string): { host: string; port: number } {
  const url = new URL(origin);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new RecordError('record/bad-connect-to', `${what}: expected host:port, got ${JSON.stringify(text)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

export function connectToMap(input: RecordOptions['connectTo']): Map<string, DialTarget> {
  const map = new Map<string, DialTarget>();
  if (input === undefined) return map;
  const pairs = input instanceof Map ? [...input.entries()] : Object.entries(input);
  for (const [from, to] of pairs) {
    const src = parseHostPort(from, 'connectTo key');
    const dst = typeof to === 'string' ? parseHostPort(to, `connectTo ${from}`) : to;
    map.set(`${src.host}:${src.port}`, dst);
  }
  return map;
}

function resolveTarget(opts: RecordOptions): ResolvedTarget {
  const connectTo = connectToMap(opts.connectTo);
  if (opts.origin === 'live' && (opts.target !== 'live' || connectTo.size > 0)) {
    throw new RecordError('record/bad-origin', 'origin "live" is only for --target live without connectTo: anything else did not come from the live services');
  }
  if (opts.target === 'live') {
    if (opts.publicOrigin !== undefined) throw new RecordError('record/bad-target', 'publicOrigin applies to a URL target, not to live');
    return {
      registryOrigin: LIVE_REGISTRY_ORIGIN,
      apiOrigin: LIVE_API_ORIGIN,
      connectTo,
      // The live code path against a stand-in is not live evidence: say where it really came from.
      origin: opts.origin ?? (connectTo.size > 0 ? 'local-stand-in' : 'live'),
      described: connectTo.size > 0 ? 'the live host names (served by a stand-in via connectTo)' : 'registry.ollama.ai and ollama.com',
      named: connectTo.size > 0 ? 'the live host names (served by a stand-in via connectTo)' : 'registry.ollama.ai and ollama.com',
    };
  }
  if (typeof opts.target === 'object') {
    return {
      registryOrigin: checkOrigin('target.registryOrigin', opts.target.registryOrigin),
      apiOrigin: checkOrigin('target.apiOrigin', opts.target.apiOrigin),
      connectTo,
      origin: opts.origin ?? 'emulator',
      described: `${opts.target.registryOrigin} and ${opts.target.apiOrigin}`,
      named: `${opts.target.registryOrigin} and ${opts.target.apiOrigin}`,
    };
  }
  const dial = checkOrigin('--target', opts.target);
  const used = opts.publicOrigin === undefined ? dial : checkOrigin('--public-origin', opts.publicOrigin);
  if (opts.publicOrigin !== undefined) {
    const from = hostPort(used);
    const to = hostPort(dial);
    connectTo.set(`${from.host}:${from.port}`, to);
    if (new URL(used).protocol !== new URL(dial).protocol) {
      throw new RecordError('record/bad-target', `--public-origin ${used} and --target ${dial} must use the same scheme (the recorder only redirects where it dials)`);
    }
  }
  return { registryOrigin: used, apiOrigin: used, connectTo, origin: opts.origin ?? 'emulator', described: used === dial ? dial : `${used} (dialling ${dial})`, named: used };
}

/** 16-byte nonces from a counter: deterministic recordings, different bytes per token request. */
export function deterministicNonces(label: string): () => Uint8Array {
  let n = 0;
  return () => {
    n += 1;
    return new Uint8Array(createHash('sha256').update(`oac-recorder-nonce:${label}:${n}`).digest().subarray(0, 16));
  };
}

function resolveKey(source: KeySource | undefined): OllamaKey {
  if (source === undefined) return loadOllamaKey();
  return typeof source === 'function' ? source() : source;
}


function errorText(err: unknown): string {
  if (err instanceof OacError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

type Stamp = EntryTimes;

const STAMP = Symbol('oac-recorder-stamp');

function stampOf(req: PollyRequest): Stamp | undefined {
  return (req as unknown as Record<symbol, Stamp | undefined>)[STAMP];
}

/** Refuses what cannot be recorded, before anything is sent; returns the key when the flow signs (KEY-05: a bad key fails here). */
function checkRecordable(opts: RecordOptions, spec: VariantSpec, target: ResolvedTarget): OllamaKey | undefined {
  if (spec.writes && opts.target === 'live' && target.connectTo.size === 0 && opts.allowPush !== true) {
    throw new RecordError('record/push-needs-consent',
      `the ${spec.flow} ${spec.variant} variant PUTs a manifest to ${target.registryOrigin} (the manifest it just read, unchanged); pass --allow-push to record it against the live registry`);
  }
  const key = spec.needs.key ? resolveKey(opts.key) : undefined;
  if (spec.needs.apiKey && (opts.apiKey === undefined || opts.apiKey.trim() === '')) {
    throw new RecordError('record/no-api-key', 'the api-key flow needs an API key: pass --api-key-file FILE or set OLLAMA_API_KEY');
  }
  if (spec.needs.basic && opts.basic === undefined) {
    throw new RecordError('record/no-basic', 'the basic flow needs credentials: pass --basic-file FILE (user:pass) or set OAC_BASIC_AUTH');
  }
  if (spec.flow === 'basic' && opts.target === 'live' && target.connectTo.size === 0) {
    throw new RecordError('record/no-live-basic', 'Ollama\'s services do not use HTTP Basic: record the basic flow against a local stand-in (a proxy in front of Ollama, or oac emulate --basic)');
  }
  return key;
}

/** One recording in progress: what the steps below share. */
interface Recording {
  opts: RecordOptions;
  spec: VariantSpec;
  target: ResolvedTarget;
  ctx: FlowContext;
  clock: () => number;
  /** `flow/variant`. */
  name: string;
  /** The output path as messages show it. */
  shown: string;
}

/** A handshake failure, saying that nothing was written and where it failed. */
function handshakeFailed(rec: Recording, stage: string, err: unknown): RecordError {
  return new RecordError('record/handshake-failed',
    `nothing written to ${rec.shown}: the ${rec.name} flow against ${rec.target.described} failed${stage}: ${errorText(err)}`, { cause: err });
}

/** Unrecorded set-up (e.g. read the manifest a push sends back), over a plain connection. */
async function prepareFlow(rec: Recording): Promise<void> {
  if (!rec.spec.prepare) return;
  const direct = rec.target.connectTo.size === 0 ? rec.ctx : withDialling(rec.ctx, rec.target.connectTo);
  try {
    rec.ctx.prepared = await rec.spec.prepare(direct);
  } catch (err) {
    if (err instanceof OacError) throw handshakeFailed(rec, ' while preparing (reading the manifest to push)', err);
    throw err;
  }
}

/** The Redactor for this flow, told every secret the caller knows (the rest it learns from the exchanges). */
function redactorFor(rec: Recording, key: OllamaKey | undefined): Redactor {
  const { opts, spec } = rec;
  return new Redactor(
    { ...(key ? { publicKeyField: key.publicKeyField } : {}), ...(opts.apiKey ? { apiKey: opts.apiKey } : {}), ...(opts.basic ? { basic: opts.basic } : {}) },
    spec.flow === 'api-key' ? 'apikey' : 'token',
  );
}

/** Runs the flow under Polly: every exchange is learned by the redactor, and redacted as Polly persists it. */
async function runRecorded(rec: Recording, redactor: Redactor): Promise<RecordedHar> {
  const { spec, ctx, target, clock, name } = rec;
  const polly = startRecordingPolly(name, target.connectTo);
  const routes = polly.server.any();
  // Polly hands each listener a fresh Proxy of the request, so the stamp lives on the request itself.
  routes.on('request', (req) => {
    (req as unknown as Record<symbol, Stamp>)[STAMP] = { start: clock() };
  });
  routes.on('response', (req, res) => {
    const stamp = stampOf(req);
    if (stamp) stamp.end = clock();
    redactor.learn({
      url: wireUrl(req),
      requestHeaders: req.headers,
      status: res.statusCode,
      responseHeaders: res.headers,
      responseBody: typeof res.body === 'string' && res.encoding === undefined ? res.body : undefined,
    });
  });
  routes.on('beforePersist', (req, entry: UnannotatedEntry) => redactEntry(entry, wireUrl(req), redactor, stampOf(req)));

  let runError: unknown;
  let tokenRequests = 0;
  try {
    tokenRequests = (await spec.run(ctx)).tokenRequests;
  } catch (err) {
    runError = err;
  }
  try {
    await polly.stop();
  } catch (err) {
    if (runError === undefined) throw new HarnessError('record/polly-stop', `Polly.js failed to finish the recording: ${errorText(err)}`, { cause: err });
  }
  if (runError !== undefined) {
    if (runError instanceof OacError) throw handshakeFailed(rec, '', runError);
    throw runError;
  }
  if (spec.flow === 'registry' && tokenRequests === 0) {
    throw new RecordError('record/no-handshake',
      `nothing written to ${rec.shown}: ${target.registryOrigin} served ${ctx.model.namespace}/${ctx.model.name}:${ctx.model.tag} without a 401 challenge, so there is no handshake to record (pick a model that needs authentication with --model)`);
  }
  const har = savedHar(polly);
  if (har === undefined) throw new HarnessError('record/nothing-recorded', `Polly.js recorded no request for ${name}`);
  return har;
}

export async function recordCassette(opts: RecordOptions): Promise<RecordResult> {
  const spec = findVariant(opts.flow, opts.variant);
  const clock = opts.now ?? Date.now;
  const target = resolveTarget(opts);
  const expiresInSeconds = expirySeconds(opts.expiresIn, target.origin);
  const key = checkRecordable(opts, spec, target);
  const out = opts.out ?? join(opts.recordingsDir ?? 'recordings', spec.cassette);
  const ctx: FlowContext = {
    registryOrigin: target.registryOrigin,
    apiOrigin: target.apiOrigin,
    model: parseModel(opts.model ?? DEFAULT_MODEL),
    key,
    apiKey: opts.apiKey,
    basic: opts.basic,
    // Direct connections: Polly records the requests the client makes, and a CONNECT tunnel through an
    // HTTPS_PROXY would be recorded as a tunnel, not as the exchange. Behind a proxy, record with
    // `oac record --intercept -- oac client …` or --connect-to (README, Cassettes and recording live).
    http: { ...(opts.tls ? { tls: opts.tls } : {}), proxyEnv: false },
    now: () => Math.floor(clock() / 1000),
    nonceBytes: opts.nonceBytes,
    prepared: {},
  };
  const rec: Recording = { opts, spec, target, ctx, clock, name: `${spec.flow}/${spec.variant}`, shown: displayPath(out) };

  await prepareFlow(rec);
  const har = await runRecorded(rec, redactorFor(rec, key));
  const version = harnessVersion();
  const { cassette, text, diff, written } = saveRecording({
    har, spec, name: rec.name, out, shown: rec.shown, recordedAtMs: clock(), expiresInSeconds, notes: opts.notes, write: opts.write ?? true,
    source: {
      origin: target.origin,
      description: `${spec.flow}/${spec.variant}: ${spec.summary}. Recorded against ${target.named} (${target.origin}).`,
      client: { name: REFERENCE_CLIENT_NAME, version },
    },
  });
  return { path: out, cassette, text, diff, written, spec };
}

/** The flow context for unrecorded set-up: the reference client's own connectTo stands in for Polly's routing. */
function withDialling(ctx: FlowContext, map: ConnectToMap): FlowContext {
  return {
    ...ctx,
    http: {
      ...ctx.http,
      connectTo: (host, port) => map.get(`${host.toLowerCase()}:${port}`),
    },
  };
}
