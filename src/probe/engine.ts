/**
 * The probe engine: sends the plan, the TLS/mTLS handshakes and the CORS requests, and turns each answer
 * into an observation (with the classifier's "reached Ollama?"). It decides nothing: the rules in
 * src/rules/probe judge the observations, src/rules/verdicts.ts aggregates.
 */
import { HarnessError } from '../errors.js';
import { REDACTED } from '../redaction/index.js';
import type {
  CorsAttempt, CorsObservation, ExchangeOutcome, MtlsObservation, ProbeCredentials, ProbeExchange, TlsObservation,
} from '../rules/probe/observations.js';
import type { Route, RouteCatalogue } from './catalogue.js';
import { classify } from './classify.js';
import { noCredentialsVariant, validCredentials, validWithClientCert, type AppliedCredentials } from './credentials.js';
import { curlLine } from './curl.js';
import type { ForeignClientCert } from './foreign-cert.js';
import { assertSafe, buildPlan, methodNotAllowedAnswer, routeTemplates, type PlannedRequest } from './plan.js';
import { credentialsOf, hostPort, serverName, type ProbeTarget } from './target.js';
import { probeTls } from './tls-probe.js';
import { createTransport, type Transport, type WireRequest } from './transport.js';

/**
 * The timeout of a request sent once per probe (a wrong user): Caddy answers an unknown user only after
 * a bcrypt comparison at cost 14, a second or more of its CPU, several on a busy machine. It goes out
 * early, so it overlaps the rest of the probe instead of adding to it.
 */
const SLOW_REQUEST_TIMEOUT_MS = 30_000;

/** The Origin the CORS probe claims: `.invalid` can never be a real site (RFC 2606 §2). */
const FOREIGN_ORIGIN = 'https://oac-probe.invalid';

export interface ProbeRun {
  url: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  credentials: ProbeCredentials;
  catalogue: RouteCatalogue;
  /** Route exchanges in plan order (seq = index). */
  exchanges: ProbeExchange[];
  tls: TlsObservation;
  mtls?: MtlsObservation;
  cors: CorsObservation;
  /** Requests sent (or tried) in all. */
  requestCount: number;
  /** Every value derived from a secret that went on the wire (scrubbed from every output). */
  wireSecrets: string[];
}

interface Sender {
  send(req: PlannedRequest): Promise<ProbeExchange>;
  wireSecrets: Set<string>;
  count(): number;
}

/** The target as reports show it: the key of a key-in-query variant redacted; absolute-form kept absolute. */
function shownTarget(t: ProbeTarget, req: PlannedRequest): string {
  const base = `${t.basePath}${req.path}`;
  const q = req.credentials.query;
  const target = q === undefined ? base : `${base}${base.includes('?') ? '&' : '?'}${q.name}=${REDACTED}`;
  return req.absoluteForm ? `${t.scheme}://${hostPort(t)}${target}` : target;
}

function wireTarget(t: ProbeTarget, req: PlannedRequest): string {
  let target = `${t.basePath}${req.path}`;
  const q = req.credentials.query;
  if (q !== undefined) target = `${target}${target.includes('?') ? '&' : '?'}${q.name}=${encodeURIComponent(q.value)}`;
  return req.absoluteForm ? `${t.scheme}://${hostPort(t)}${target}` : target;
}

function shownHeaders(req: PlannedRequest): Record<string, string> {
  return { ...req.headers, ...req.extraHeaders, ...req.credentials.shownHeaders };
}

function collectSecrets(into: Set<string>, c: AppliedCredentials): void {
  if (!c.carriesSecret) return;
  for (const [name, value] of Object.entries(c.headers)) if (c.shownHeaders[name] !== value && value !== '') into.add(value);
  if (c.query) into.add(c.query.value);
}

/** The request as it goes on the wire: real credentials, raw target, TLS options for this variant. */
function toWire(t: ProbeTarget, req: PlannedRequest, foreign: ForeignClientCert | undefined): WireRequest {
  const wire: WireRequest = {
    method: req.method,
    target: wireTarget(t, req),
    headers: { ...req.headers, ...req.extraHeaders, ...req.credentials.headers },
    body: req.body,
    ...(req.credentials.scope === 'once' ? { timeoutMs: Math.max(t.timeoutMs, SLOW_REQUEST_TIMEOUT_MS) } : {}),
  };
  if (t.scheme === 'https') {
    const name = serverName(t);
    const clientCert = req.credentials.clientCert === 'given' ? t.clientCert : req.credentials.clientCert === 'foreign' ? foreign : undefined;
    wire.tls = {
      verify: req.credentials.carriesSecret && !t.insecure,
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      ...(name !== undefined ? { servername: name } : {}),
      ...(clientCert !== undefined ? { cert: clientCert.cert, key: clientCert.key } : {}),
    };
  }
  return wire;
}

/** The observation: what was sent (shown form), what came back, and whether it reached Ollama. */
function toExchange(t: ProbeTarget, req: PlannedRequest, seq: number, outcome: ExchangeOutcome): ProbeExchange {
  const { reach, reason } = classify(req.expected, outcome);
  const target = shownTarget(t, req);
  return {
    seq,
    route: req.route.pattern,
    method: req.method,
    target,
    spelling: req.spelling,
    purpose: req.purpose,
    credential: req.credentials.variant,
    headers: shownHeaders(req),
    versionDisclosing: req.route.public,
    outcome,
    reach,
    reachReason: reason,
    curl: curlLine({
      method: req.method, target, absoluteForm: req.absoluteForm, headers: { ...req.headers, ...req.extraHeaders }, body: req.body,
      credentials: req.credentials, unverified: !req.credentials.carriesSecret || t.insecure,
    }, t),
  };
}

/** Sends planned requests, each checked against the catalogue first (assertSafe), numbered in plan order. */
function makeSender(t: ProbeTarget, catalogue: RouteCatalogue, transport: Transport, foreign: ForeignClientCert | undefined): Sender {
  let seq = 0;
  const wireSecrets = new Set<string>();
  const send = async (req: PlannedRequest): Promise<ProbeExchange> => {
    assertSafe(req, catalogue);
    const mySeq = seq++;
    collectSecrets(wireSecrets, req.credentials);
    return toExchange(t, req, mySeq, await transport.send(toWire(t, req, foreign)));
  };
  return { send, wireSecrets, count: () => seq };
}

function firstProtected(catalogue: RouteCatalogue, kind?: 'read' | 'validation'): Route | undefined {
  return catalogue.routes.find((r) => !r.public && (kind === undefined || r.probe.kind === kind));
}

function withCredentials(req: PlannedRequest, credentials: AppliedCredentials, extraHeaders: Record<string, string> = {}): PlannedRequest {
  return { ...req, credentials, extraHeaders };
}

function mainRequest(route: Route, credentials: AppliedCredentials): PlannedRequest {
  const t = routeTemplates(route)[0]!;
  return {
    route, purpose: t.purpose, method: t.method, canonicalPath: route.probe.path, path: route.probe.path, spelling: 'canonical', absoluteForm: false,
    headers: t.headers, body: t.body, expected: t.expected, credentials, extraHeaders: {},
  };
}

async function probeMtls(t: ProbeTarget, catalogue: RouteCatalogue, sender: Sender): Promise<MtlsObservation | undefined> {
  const route = firstProtected(catalogue);
  if (!t.clientCert || t.scheme !== 'https' || route === undefined) return undefined;
  const without = validWithClientCert(t, 'none', 'valid-without-client-cert', 'the right credentials without a client certificate');
  const foreign = validWithClientCert(t, 'foreign', 'valid-with-foreign-client-cert', 'the right credentials with a client certificate from another CA');
  const [withoutCertificate, foreignCertificate] = await Promise.all([
    sender.send(mainRequest(route, without)),
    sender.send(mainRequest(route, foreign)),
  ]);
  return { withoutCertificate: withoutCertificate!, foreignCertificate: foreignCertificate! };
}

function corsAttempt(kind: CorsAttempt['kind'], exchange: ProbeExchange): CorsAttempt {
  const headers = exchange.outcome.kind === 'response' ? exchange.outcome.headers : {};
  const attempt: CorsAttempt = { kind, exchange, origin: FOREIGN_ORIGIN };
  if (headers['access-control-allow-origin'] !== undefined) attempt.allowOrigin = headers['access-control-allow-origin'];
  if (headers['access-control-allow-credentials'] !== undefined) attempt.allowCredentials = headers['access-control-allow-credentials'];
  return attempt;
}

/**
 * A preflight (OPTIONS, a method the router never registers, so no body and no handler) for a read route
 * and for an acting route, and the read route's own probe with the foreign Origin and the right
 * credentials, as a page in a browser would send it with `credentials: 'include'`.
 */
async function probeCors(t: ProbeTarget, catalogue: RouteCatalogue, sender: Sender): Promise<CorsObservation> {
  const read = firstProtected(catalogue, 'read');
  const acting = firstProtected(catalogue, 'validation');
  const credentials = validCredentials(t) ?? noCredentialsVariant();
  const requests: Array<Promise<CorsAttempt>> = [];
  for (const route of [read, acting]) {
    if (route === undefined) continue;
    const preflight: PlannedRequest = {
      ...mainRequest(route, noCredentialsVariant()),
      purpose: 'unregistered-method', method: 'OPTIONS', headers: {}, body: '',
      expected: methodNotAllowedAnswer(catalogue, route, 'OPTIONS'),
      extraHeaders: { Origin: FOREIGN_ORIGIN, 'Access-Control-Request-Method': route.probe.method, 'Access-Control-Request-Headers': 'authorization,content-type' },
    };
    requests.push(sender.send(preflight).then((e) => corsAttempt('preflight', e)));
  }
  if (read !== undefined) requests.push(sender.send(withCredentials(mainRequest(read, credentials), credentials, { Origin: FOREIGN_ORIGIN })).then((e) => corsAttempt('simple', e)));
  return { attempts: await Promise.all(requests) };
}

export interface RunProbeOptions {
  catalogue: RouteCatalogue;
  now?: () => Date;
}

/**
 * Probe a deployment. The first request goes alone: when the target does not answer at all (nothing
 * listens, the host is unknown, it times out), nothing more is sent and the probe stops with a
 * HarnessError saying so.
 */
export async function runProbe(t: ProbeTarget, opts: RunProbeOptions): Promise<ProbeRun> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const transport = createTransport({ scheme: t.scheme, host: t.host, port: t.port, timeoutMs: t.timeoutMs, concurrency: t.concurrency });
  try {
    const [tls, foreign] = await Promise.all([
      probeTls(t, started),
      // Loaded only for mTLS: the certificate library is the heaviest module of the probe.
      t.clientCert && t.scheme === 'https' ? import('./foreign-cert.js').then((m) => m.makeForeignClientCert(started)) : Promise.resolve(undefined),
    ]);
    const sender = makeSender(t, opts.catalogue, transport, foreign);
    const plan = buildPlan(opts.catalogue, t);
    const first = await sender.send(plan[0]!);
    if (first.outcome.kind === 'unreachable' || first.outcome.kind === 'timeout') {
      // Hundreds of identical "cannot tell" verdicts would bury the one fact that matters.
      throw new HarnessError('probe/unreachable', `${t.url.href} did not answer (${first.outcome.message}): nothing was probed; check the URL and that the proxy is running`);
    }
    const exchanges = [first, ...(await Promise.all(plan.slice(1).map((req) => sender.send(req))))];
    const [mtls, cors] = await Promise.all([probeMtls(t, opts.catalogue, sender), probeCors(t, opts.catalogue, sender)]);
    const finished = now();
    const run: ProbeRun = {
      url: t.url.href,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      credentials: credentialsOf(t),
      catalogue: opts.catalogue,
      exchanges,
      tls,
      cors,
      requestCount: sender.count(),
      wireSecrets: [...sender.wireSecrets],
    };
    if (mtls !== undefined) run.mtls = mtls;
    return run;
  } finally {
    transport.close();
  }
}
