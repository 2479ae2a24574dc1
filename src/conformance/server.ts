/**
 * The conformance server: serves one scenario to one client run. Each request goes through the stages of
 * ./pipeline.ts: classify → emulate (the emulator's handler: real verification, Ollama-shaped replies) →
 * rules (src/rules/client) → cassette overlay → mutation → deliver, and is recorded as an Observation.
 * A second listener plays "another host": anything that reaches it is a leak (./other-host.ts).
 * In intercept mode (`oac check --intercept`) both listeners sit behind the intercept proxy, which the
 * server starts too: the client names https://registry.ollama.ai and https://ollama.com (./intercept-lane.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createEmulatorHandler, defaultCatalogue, readBody, redactHeaders, toEmulatorRequest, type ClientCertFiles, type EmulatorHandler, type EmulatorRequest, type ModelCatalogue, type Reply, type TlsKit } from '../emulator/index.js';
import type { InterceptCa, InterceptProxy } from '../intercept/index.js';
import { formatChallenge } from '../protocol/challenge.js';
import type { Finding } from '../rules/findings.js';
import type { CassetteOverlay } from './cassette.js';
import { interceptedRequest, interceptTemplateValues, observeInterceptEvent, startScenarioProxy, type InterceptedRequest } from './intercept-lane.js';
import { listen } from './listener.js';
import { serveOtherHost } from './other-host.js';
import { applyRules, classify, deliver, emulate, mutate, noteSent, overlay, reportableBody, type Emulators, type RunState } from './pipeline.js';
import { fromReply } from './response.js';
import { ServedModel, type ModelName } from './served-model.js';
import { requireTlsKit, tlsSettings, type TlsSettings } from './tls-settings.js';
import type { Observation, RequestRole, Scenario } from './types.js';

export interface ConformanceServerOptions {
  scenario: Scenario;
  /** Public-key field of the key the harness registers (the client's `present` key). */
  registeredKey: string;
  /** The API key the server accepts (given to the client when the scenario grants one). */
  apiKey: string;
  basic: { user: string; pass: string };
  /** Recorded responses to serve instead of the emulator's own bodies. */
  overlay?: CassetteOverlay;
  tsWindowSeconds?: number;
  /** Clock in ms (tests); a scenario's set-clock shifts it. */
  now?: () => number;
  /** The run's certificates, made once per run in its workspace; required by scenarios with set-tls. */
  tlsKit?: () => Promise<TlsKit>;
  /**
   * Intercept mode: the client talks to https://registry.ollama.ai and https://ollama.com through a proxy
   * this server starts (./intercept-lane.ts); the run's CA holds a leaf for every routed name.
   */
  intercept?: { ca: InterceptCa };
  /**
   * Told when the server starts holding a response back on purpose (a scenario's delay, e.g. until the next
   * second) and when it lets it go: the runner lets another scenario use the job slot meanwhile.
   */
  onWait?: (waiting: boolean) => void;
}

export interface RunningServer {
  origin: string;
  otherOrigin: string;
  /** The CA to give the client in TLS scenarios. */
  caFile: string | undefined;
  /** A client certificate signed by that CA, when the scenario requires mTLS. */
  clientCert: ClientCertFiles | undefined;
  observations: Observation[];
  /** Problems of the harness itself while serving (a bad mutation, an exception): they make the verdict `error`. */
  harnessErrors: string[];
  /** Intercept mode: the proxy the client must use (HTTPS_PROXY); closed by stop(). */
  proxy: InterceptProxy | undefined;
  /** The model the run serves: SCENARIO_MODEL, or in intercept mode the name the client's first manifest request asked for. */
  servedModel(): ModelName;
  stop(): Promise<void>;
}

/** The model every registry scenario serves in loopback mode (the runner writes the client's target from it). */
export { SCENARIO_MODEL } from './served-model.js';

/** The challenge the server sends unmutated for a model: `{{challenge}}` in scenario templates. */
function goldenChallenge(emulator: EmulatorHandler, model: ModelName): string {
  return formatChallenge({ realm: emulator.realm(), service: emulator.service(), scope: `repository:${model.repository}:pull` });
}

/** The scenario's set-tls on the server, if any, with the run's certificates. */
async function serverTls(opts: ConformanceServerOptions): Promise<TlsSettings | undefined> {
  const op = opts.scenario.mutation.find((o) => o.op === 'set-tls' && o.target === 'server');
  return op ? tlsSettings(op, await requireTlsKit(opts.tlsKit, opts.scenario.id)) : undefined;
}

/**
 * One emulator configuration; `origin` decides only which URL signatures are rebuilt from. With TLS the
 * same port also answers plain http (downgrade scenarios): a second view of the same emulator whose origin
 * is the http:// name, so signatures are rebuilt from the URL the client used. Both views serve one
 * catalogue, the one the run's model aliases into.
 */
function emulatorsFor(opts: ConformanceServerOptions, origin: () => string, tls: boolean, catalogue: ModelCatalogue): Emulators {
  const clockOffsetMs = opts.scenario.mutation.filter((op) => op.op === 'set-clock').reduce((sum, op) => sum + (op['offsetSeconds'] as number) * 1000, 0);
  const baseNow = opts.now ?? Date.now;
  const handler = (originOf: () => string): EmulatorHandler => createEmulatorHandler({
    tsWindowSeconds: opts.tsWindowSeconds ?? 7200,
    authorizedKeys: [opts.registeredKey],
    apiKeys: [opts.apiKey],
    basic: opts.basic,
    models: catalogue,
    now: () => baseNow() + clockOffsetMs,
  }, originOf);
  return { main: handler(origin), plainHttp: tls ? handler(() => origin().replace(/^https:/, 'http:')) : undefined };
}

export async function startConformanceServer(opts: ConformanceServerOptions): Promise<RunningServer> {
  const { scenario } = opts;
  const observations: Observation[] = [];
  const harnessErrors: string[] = [];
  const tls = await serverTls(opts);
  let origin = '';
  // Intercept mode: the origin signatures are rebuilt from is the one the request itself named (its Host
  // and the scheme the proxy saw); handle() is synchronous, so it is set just before each call.
  let requestOrigin: string | undefined;
  const catalogue = defaultCatalogue();
  const model = new ServedModel(opts.intercept ? 'adopt-first-request' : 'fixed', catalogue);
  const emulators = emulatorsFor(opts, () => requestOrigin ?? origin, tls !== undefined, catalogue);
  const observe = (o: Omit<Observation, 'seq'>): void => {
    observations.push({ seq: observations.length, ...o });
  };
  const failed = (res: ServerResponse, what: string, err: unknown): void => {
    harnessErrors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  };

  let run: RunState | undefined;
  const main = await listen((req, res, via) => {
    const ready = run;
    if (ready === undefined) return failed(res, `serving ${req.method} ${req.url}`, new Error('the request arrived before the server knew its own origin'));
    const intercepted = opts.intercept ? interceptedRequest(req, ready.values) : undefined;
    const setRequestOrigin = (value: string | undefined): void => {
      requestOrigin = value;
    };
    void serveMain(ready, emulators, opts.overlay, req, res, intercepted ?? via, observe, setRequestOrigin, opts.onWait).catch((err: unknown) => failed(res, `serving ${req.method} ${req.url}`, err));
  }, tls?.options, (err) => {
    // Neutral: refusing our certificate is right in one scenario and wrong in another; the judge decides
    // from the client's outcome. The observation keeps the reason for the report.
    observe({ listener: 'main', role: 'unknown', method: '(tls)', url: '', headers: {}, status: 0, findings: [], reason: `TLS handshake failed: ${err.message.split('\n')[0]}` });
  });
  const other = await listen((req, res) => {
    void serveOtherHost(scenario, req, res, observe).catch((err: unknown) => {
      harnessErrors.push(`other host: ${err instanceof Error ? err.message : String(err)}`);
      res.destroy();
    });
  }, undefined);

  let proxy: InterceptProxy | undefined;
  let values: Record<string, string>;
  if (opts.intercept) {
    values = interceptTemplateValues(scenario.action);
    origin = values['origin']!;
    proxy = await startScenarioProxy({ ca: opts.intercept.ca, main: main.port, other: other.port, onEvent: (event) => observeInterceptEvent(scenario, event, observe) }).catch(async (err: unknown) => {
      await Promise.all([main.close(), other.close()]);
      throw err;
    });
  } else {
    origin = `${tls ? 'https' : 'http'}://127.0.0.1:${main.port}`;
    // Another host name as well as another port: Go's net/http keeps Authorization on a redirect to the
    // same host name on another port, so 127.0.0.1:<other> would not tell a leak from a legal redirect.
    values = {
      origin,
      host: `127.0.0.1:${main.port}`,
      port: String(main.port),
      httpOrigin: `http://127.0.0.1:${main.port}`,
      httpsOrigin: `https://127.0.0.1:${main.port}`,
      otherOrigin: `http://localhost:${other.port}`,
      otherHost: `localhost:${other.port}`,
    };
  }
  const otherOrigin = values['otherOrigin']!;
  run = {
    scenario,
    values,
    model,
    goldenChallenge: (served) => goldenChallenge(emulators.main, served),
    occurrences: new Map(),
    apiAuthorizations: new Set(),
    redirectsSent: 0,
    lastChallenge: undefined,
  };

  return {
    origin,
    otherOrigin,
    caFile: tls?.caFile,
    clientCert: tls?.clientCert,
    observations,
    harnessErrors,
    proxy,
    servedModel: () => model.name,
    async stop() {
      await Promise.all([main.close(), other.close(), proxy?.close()]);
    },
  };
}

/** One request on the main listener, through every stage of the pipeline. */
async function serveMain(run: RunState, emulators: Emulators, cassette: CassetteOverlay | undefined, req: IncomingMessage, res: ServerResponse, via: 'http' | 'https' | InterceptedRequest, observe: (o: Omit<Observation, 'seq'>) => void, setRequestOrigin: (origin: string | undefined) => void, onWait?: (waiting: boolean) => void): Promise<void> {
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  const headers = typeof via === 'string' ? req.headers : via.headers;
  const request = toEmulatorRequest(method, target, headers, (await readBody(req)) ?? Buffer.alloc(0));
  const role = classify(request);
  // Before the emulator answers: the first manifest request of an intercepted run names the served model.
  const adoption = run.model.consider(request.path);
  const { emulated, findings } = emulateAndCheck(run, emulators, request, role, via, setRequestOrigin);
  const reply = overlay(cassette, role, emulated, request);
  const outgoing = fromReply(reply);
  const mutated = mutate(run, role, reply, outgoing);
  noteSent(run, role, outgoing);
  const reason = [reply.reason, adoption?.note].filter((r) => r !== undefined && r !== '').join('; ');
  observe({ listener: 'main', role, method, url: target, headers: redactHeaders(headers), status: outgoing.drop ? 0 : outgoing.status, findings, responseBody: reportableBody(role, outgoing), ...(reason ? { reason } : {}), ...(mutated.length ? { mutated } : {}) });
  await deliver(res, outgoing, method, onWait);
}

/**
 * emulate + rules. Loopback: over the scheme the listener saw. Intercept: under the origin the request
 * named (scheme from the proxy, its Host), and a request the proxy saw over plain http is a downgrade,
 * the public origins being https.
 */
function emulateAndCheck(run: RunState, emulators: Emulators, request: EmulatorRequest, role: RequestRole, via: 'http' | 'https' | InterceptedRequest, setRequestOrigin: (origin: string | undefined) => void): { emulated: Reply; findings: Finding[] } {
  if (typeof via === 'string') {
    const emulated = emulate(emulators, request, via);
    return { emulated, findings: applyRules(run, request, role, emulated, via === 'http' && emulators.plainHttp !== undefined) };
  }
  setRequestOrigin(via.origin);
  let emulated: Reply;
  try {
    emulated = emulate(emulators, request, 'https');
  } finally {
    setRequestOrigin(undefined);
  }
  return { emulated, findings: applyRules(run, request, role, emulated, via.scheme === 'http', via.origin) };
}
