/**
 * `oac record --intercept -- <command>`: record the user's own client, unmodified, as a cassette. The
 * command runs exactly as given, with the environment `oac check --intercept` gives a client (proxy
 * variables in both cases, NO_PROXY cleared, the per-run CA under every stack's variable). The intercept
 * proxy terminates its TLS for registry.ollama.ai and ollama.com with the per-run CA and forwards each
 * request to the real https origin of that name, TLS verified (or to the stand-in --connect-to names,
 * verified with --ca-file), capturing every exchange. What was captured then goes through the same
 * pipeline as the reference client's recordings (save.ts): redaction, roles, provenance, the strict
 * secret scan, schema validation, the diff and the atomic write.
 *
 * Saved only when the command exited 0, every request went to an intercepted name, and the exchange is
 * the flow asked for; otherwise a RecordError says what was expected and what was seen. Nothing of the
 * run stays on disk: the CA files live in a run workspace removed however the run ends (Ctrl-C included,
 * after the command's process group is killed).
 */
import { join } from 'node:path';
import { runDetached, type ProcessRun } from '../child-process.js';
import { createInterceptCa } from '../intercept/ca.js';
import { applyInterceptEnvironment } from '../intercept/environment.js';
import { proxyNotUsedMessage } from '../intercept/guidance.js';
import { startInterceptProxy, type InterceptedExchange, type InterceptObservation, type InterceptProxy } from '../intercept/proxy.js';
import { redactText } from '../redaction/index.js';
import { createWorkspace } from '../workspace.js';
import { findVariant, type RecordFlow, type VariantSpec } from './flows.js';
import { displayPath, type Origin } from './har.js';
import { exchangeEntries, exchangeUrl, flowMismatch, seenExchange } from './intercept-entries.js';
import { LIVE_API_ORIGIN, LIVE_REGISTRY_ORIGIN, connectToMap, expirySeconds, RecordError, type RecordResult } from './record.js';
import { Redactor } from './redact.js';
import { redactEntry, saveRecording, type RecordedHar } from './save.js';
import { harnessVersion } from './provenance.js';

/** The names the proxy intercepts and forwards to their real https origins. */
const RECORDED_HOSTS = [new URL(LIVE_REGISTRY_ORIGIN).hostname, new URL(LIVE_API_ORIGIN).hostname] as const;

/** Default limit on the command's run time; a client that hangs is killed and nothing is written. */
const DEFAULT_TIMEOUT_MS = 300_000;
/** What is kept of the command's stdout and stderr each: only the end of stderr is ever shown. */
const OUTPUT_CAP = 256 * 1024;
/** After the command exits, how long a response still being relayed may take to end (then it is lost). */
const SETTLE_MS = 2_000;

export interface InterceptRecordOptions {
  /** The command and its arguments, run without a shell. */
  command: readonly string[];
  flow: RecordFlow | string;
  /** Which cassette and facts (default: the flow's first variant). */
  variant?: string;
  /** `registry.ollama.ai:443` / `ollama.com:443` → `address:port` of a stand-in (default: the real hosts). */
  connectTo?: Record<string, string>;
  /** PEM CA to trust for the upstream (a stand-in's private CA); default Node's public roots. */
  ca?: string | Buffer;
  /** Provenance label (default: live without connectTo, local-stand-in with it). */
  origin?: Origin;
  /** Known secrets to redact wherever they occur (the command's own are learned from what it sends). */
  apiKey?: string;
  basic?: { user: string; pass: string };
  out?: string;
  recordingsDir?: string;
  expiresIn?: string;
  notes?: string;
  /** Default true; false: everything but the write. */
  write?: boolean;
  /** The command's environment before the intercept variables are laid over it (default process.env). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Fixed clock for entry times and recordedAt (default Date.now and the proxy's own times). */
  now?: () => number;
  /** Where progress lines go (a refused destination), already redacted (default stderr). */
  log?: (line: string) => void;
}

export interface InterceptRecordResult extends RecordResult {
  /** The command line as messages and provenance show it (secrets redacted). */
  command: string;
}

interface Upstream {
  origin: Origin;
  /** For provenance and messages: where the requests were forwarded. */
  named: string;
  routes: { hostname: string; https: { ca?: string | Buffer; dial?: string } }[];
}

function resolveUpstream(opts: InterceptRecordOptions): Upstream {
  const connectTo = connectToMap(opts.connectTo);
  for (const key of connectTo.keys()) {
    if (!RECORDED_HOSTS.some((host) => key === `${host}:443`)) {
      throw new RecordError('record/bad-connect-to', `with --intercept, --connect-to may only redirect ${RECORDED_HOSTS.map((h) => `${h}:443`).join(' and ')} (the names the proxy forwards), got ${key}`);
    }
  }
  if (opts.origin === 'live' && connectTo.size > 0) {
    throw new RecordError('record/bad-origin', 'origin "live" is only for --target live without connectTo: anything else did not come from the live services');
  }
  const routes = RECORDED_HOSTS.map((hostname) => {
    const dial = connectTo.get(`${hostname}:443`);
    return { hostname, https: { ...(opts.ca === undefined ? {} : { ca: opts.ca }), ...(dial === undefined ? {} : { dial: `${dial.host.includes(':') ? `[${dial.host}]` : dial.host}:${dial.port}` }) } };
  });
  const standIn = connectTo.size > 0;
  return {
    origin: opts.origin ?? (standIn ? 'local-stand-in' : 'live'),
    named: standIn ? `${LIVE_REGISTRY_ORIGIN} and ${LIVE_API_ORIGIN} (served by a stand-in via connectTo)` : `${LIVE_REGISTRY_ORIGIN} and ${LIVE_API_ORIGIN}`,
    routes,
  };
}

/** argv as one line a user could paste: words quoted for a POSIX shell where needed. */
function commandLine(argv: readonly string[]): string {
  return argv.map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What the run saw, for the decision whether to save it. */
interface RunOutcome {
  run: ProcessRun;
  proxy: InterceptProxy;
  exchanges: InterceptedExchange[];
}

/** The user's command, exactly its argv (no shell), through the harness's one process runner. */
function runCommand(rec: InterceptRecording, env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  const [file, ...args] = rec.opts.command;
  if (file === undefined) {
    return Promise.resolve({ command: '', exitCode: null, signal: null, timedOut: false, killed: false, stdout: '', stderr: '', durationMs: 0, spawnError: 'no command given' });
  }
  const opts = { env, timeoutMs: rec.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxOutputBytes: OUTPUT_CAP, ...(rec.opts.cwd === undefined ? {} : { cwd: rec.opts.cwd }) };
  return runDetached(file, args, opts, rec.shownCommand);
}

/** Waits (briefly) for exchanges whose response was still being relayed when the command exited. */
async function settled(proxy: InterceptProxy): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  while (proxy.inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** One recording in progress: what the steps share. */
interface InterceptRecording {
  opts: InterceptRecordOptions;
  spec: VariantSpec;
  upstream: Upstream;
  /** The command line, redacted. */
  shownCommand: string;
  shown: string;
  redactor: Redactor;
  /** Every message and printed line goes through this: learned secrets, known literals, credential shapes. */
  scrub: (text: string) => string;
}

async function runThroughProxy(rec: InterceptRecording): Promise<RunOutcome> {
  const exchanges: InterceptedExchange[] = [];
  const log = rec.opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const onObservation = (o: InterceptObservation): void => {
    if (o.kind === 'refused') log(rec.scrub(`oac record: the intercept proxy refused ${o.method} ${o.destination}${o.target ?? ''}: ${o.reason}`));
  };
  const workspace = createWorkspace('oac-record-intercept-');
  let proxy: InterceptProxy | undefined;
  try {
    const ca = await createInterceptCa({ dir: workspace.dir, hostnames: [...RECORDED_HOSTS] });
    proxy = await startInterceptProxy({ routes: rec.upstream.routes, ca, onObservation, onExchange: (e) => exchanges.push(e) });
    const env = applyInterceptEnvironment(rec.opts.env ?? process.env, proxy.url, ca.bundlePath);
    const run = await runCommand(rec, env);
    await settled(proxy);
    return { run, proxy, exchanges: [...exchanges].sort((a, b) => a.sequence - b.sequence) };
  } finally {
    await proxy?.close();
    workspace.remove();
  }
}

/** The last lines of what the command printed on stderr, redacted, for an error message. */
function stderrTail(rec: InterceptRecording, run: ProcessRun): string {
  const lines = run.stderr.trimEnd().split('\n').filter((l) => l !== '');
  if (lines.length === 0) return '';
  return `; its stderr ended with:\n${lines.slice(-8).map((l) => `  ${rec.scrub(l)}`).join('\n')}`;
}

/** Why this run must not be saved (the message of the RecordError), or undefined. */
function refusal(rec: InterceptRecording, { run, proxy, exchanges }: RunOutcome): string | undefined {
  const counts = proxy.counts();
  if (run.spawnError !== undefined) return `cannot start ${rec.shownCommand}: ${rec.scrub(run.spawnError)} (is it installed and on PATH? the command runs without a shell)`;
  if (counts.proxyRequests === 0) return proxyNotUsedMessage(rec.shownCommand, proxy.url);
  const observations = proxy.observations();
  const refused = observations.flatMap((o) => (o.kind === 'refused' ? [`${o.method} ${o.destination}${o.target ?? ''}`] : []));
  if (refused.length > 0) {
    return `the command also contacted ${[...new Set(refused)].join(', ')}, which the intercept proxy refused (only ${RECORDED_HOSTS.join(' and ')} over https are recorded): a cassette of a client that also went elsewhere is not a clean record of the ${rec.spec.flow} flow`;
  }
  const tlsFailures = observations.flatMap((o) => (o.kind === 'tls-failed' ? [`${o.destination}: ${o.reason}`] : []));
  if (exchanges.length === 0 && tlsFailures.length > 0) {
    return `the command refused the per-run CA: it reached the intercept proxy, but every TLS handshake failed and no request was forwarded (a client that pins its own CA file ignores SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and NODE_EXTRA_CA_CERTS): ${tlsFailures.join('; ')}`;
  }
  const upstreamErrors = observations.flatMap((o) => (o.kind === 'upstream-error' ? [`${o.method} ${o.destination}${o.target}: ${o.reason}`] : []));
  if (upstreamErrors.length > 0) return `the upstream failed, so the exchange is incomplete: ${upstreamErrors.map(rec.scrub).join('; ')}`;
  if (run.timedOut) return `the command did not finish within ${Math.round((rec.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s and was killed${stderrTail(rec, run)}`;
  if (run.exitCode !== 0) return `${run.exitCode === null ? `the command was killed by ${run.signal}` : `the command exited ${run.exitCode}`}, so its exchange is not a successful ${rec.spec.flow} flow${stderrTail(rec, run)}`;
  if (exchanges.length === 0) return `no exchange was completed through the intercept proxy (${counts.proxyRequests} proxy requests, none answered)`;
  if (exchanges.some((e) => e.truncated)) return 'a request or response body was larger than the proxy keeps (16 MiB): the cassette would not hold what was said';
  const mismatch = flowMismatch(rec.spec.flow, exchanges);
  if (mismatch !== undefined) {
    const seen = exchanges.map((e) => `${e.method} ${exchangeUrl(e).split('?')[0]} → ${e.status}`).join(', ');
    return `${mismatch} (seen: ${seen})`;
  }
  return undefined;
}

function prepare(opts: InterceptRecordOptions): InterceptRecording & { out: string; expiresInSeconds: number } {
  if (opts.command.length === 0 || opts.command[0] === '') {
    throw new RecordError('record/no-command', 'expected the command to record after --, e.g. oac record --intercept --flow registry -- python -m myrouter pull llama3; got none');
  }
  const spec = findVariant(opts.flow, opts.variant);
  const upstream = resolveUpstream(opts);
  if (spec.flow === 'basic' && upstream.origin === 'live') {
    throw new RecordError('record/no-live-basic', 'Ollama\'s services do not use HTTP Basic: record the basic flow against a local stand-in (a proxy in front of Ollama, or oac emulate --basic)');
  }
  const expiresInSeconds = expirySeconds(opts.expiresIn, upstream.origin);
  const out = opts.out ?? join(opts.recordingsDir ?? 'recordings', spec.cassette);
  const redactor = new Redactor(
    { ...(opts.apiKey ? { apiKey: opts.apiKey } : {}), ...(opts.basic ? { basic: opts.basic } : {}) },
    spec.flow === 'api-key' ? 'apikey' : 'token',
  );
  const literals = [opts.apiKey, opts.basic?.pass].filter((s): s is string => s !== undefined && s !== '');
  // Known literals and credential shapes first (an `OLLAMA_API_KEY=…` argument becomes `=<redacted>` whole),
  // then what the redactor learned from the exchanges (tokens, signatures) as the cassette's placeholders.
  const scrub = (text: string): string => redactor.redactText(redactText(text, literals));
  return { opts, spec, upstream, shownCommand: scrub(commandLine(opts.command)), shown: displayPath(out), redactor, scrub, out, expiresInSeconds };
}

export async function recordIntercepted(opts: InterceptRecordOptions): Promise<InterceptRecordResult> {
  const rec = prepare(opts);
  const outcome = await runThroughProxy(rec);
  // Learn every secret of the run first: messages below may quote URLs and the command's stderr.
  for (const exchange of outcome.exchanges) rec.redactor.learn(seenExchange(exchange));
  const problem = refusal(rec, outcome);
  if (problem !== undefined) throw new RecordError('record/intercept-failed', `nothing written to ${rec.shown}: ${problem}`);

  const clock = opts.now;
  const entries = exchangeEntries(outcome.exchanges);
  entries.forEach((entry, i) => {
    const exchange = outcome.exchanges[i]!;
    const times = clock === undefined ? { start: exchange.startedAt, end: exchange.endedAt } : { start: clock(), end: clock() };
    redactEntry(entry, exchangeUrl(exchange), rec.redactor, times);
  });
  const version = harnessVersion();
  const har: RecordedHar = {
    log: { version: '1.2', creator: { name: 'ollama-auth-conformance', version, comment: 'oac record --intercept' }, pages: [], entries: entries as unknown as Array<Record<string, unknown>> },
  };
  const name = `${rec.spec.flow}/${rec.spec.variant}`;
  const { cassette, text, diff, written } = saveRecording({
    har, spec: rec.spec, name, out: rec.out, shown: rec.shown, recordedAtMs: (clock ?? Date.now)(), expiresInSeconds: rec.expiresInSeconds,
    notes: opts.notes, write: opts.write ?? true,
    source: {
      origin: rec.upstream.origin,
      description: `${name} as the user's own client performs it: recorded by intercepting the command \`${rec.shownCommand}\` (oac record --intercept), whose requests the intercept proxy forwarded to ${rec.upstream.named} (${rec.upstream.origin}).`,
      client: { name: `intercepted command: ${rec.shownCommand}`, version: 'unknown (not reported by the command)' },
    },
  });
  return { path: rec.out, cassette, text, diff, written, spec: rec.spec, command: rec.shownCommand };
}
