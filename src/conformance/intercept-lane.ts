/**
 * The conformance server in intercept mode (`oac check --intercept`): the client under test talks to the
 * public names through the intercept proxy (src/intercept), which hands every request for
 * registry.ollama.ai and ollama.com to the scenario's main listener and every request for the "other
 * host" to its other-host listener, with Host and target as the client sent them. Here: the template
 * values of a run under those names, how one forwarded request is read (its scheme and origin), and how
 * the proxy's own observations become the scenario's (a refused destination is a request to another host).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { INTERCEPT_SCHEME_HEADER, startInterceptProxy, type InterceptCa, type InterceptObservation, type InterceptProxy } from '../intercept/index.js';
import { leakFindingsOfKind } from '../rules/client/leaks.js';
import type { CredentialKind } from '../redaction/index.js';
import { SCENARIO_MODEL } from './served-model.js';
import type { ExecAction, Observation, Scenario } from './types.js';

const REGISTRY_HOST = 'registry.ollama.ai';
const CLOUD_HOST = 'ollama.com';
/**
 * `{{otherOrigin}}` in intercept mode: a name no real host has (RFC 2606 `.invalid`), routed by the proxy
 * to the other-host listener so that a credential sent there is seen inside TLS, as in loopback mode.
 */
const OTHER_HOST = 'other-host.invalid';
/** Every name the run's CA needs a leaf for. */
export const INTERCEPTED_HOSTS: readonly string[] = [REGISTRY_HOST, CLOUD_HOST, OTHER_HOST];

/** The public host a client of this action talks to. */
function publicHostOf(action: ExecAction): string {
  return action === 'registry-manifest' ? REGISTRY_HOST : CLOUD_HOST;
}

/**
 * The target a client of this action is given in intercept mode when the harness writes the command
 * (the mutation matrix, the compatibility table): the golden model's manifest, or ollama.com itself.
 * A user's own command may name any model: the run then serves that one (./served-model.ts).
 */
export function publicTarget(action: Exclude<ExecAction, 'basic-tags'>): string {
  return action === 'registry-manifest' ? `https://${REGISTRY_HOST}/v2/${SCENARIO_MODEL.repository}/manifests/${SCENARIO_MODEL.tag}` : `https://${CLOUD_HOST}`;
}

/**
 * `{{origin}}`, `{{host}}`, … under the public names (port 443 is the default, so `{{host}}` has none).
 * The model's values (`{{repository}}`, `{{tag}}`) are not here: the run adopts them from the client's
 * first manifest request (./served-model.ts).
 */
export function interceptTemplateValues(action: ExecAction): Record<string, string> {
  const host = publicHostOf(action);
  return {
    origin: `https://${host}`,
    host,
    port: '443',
    httpOrigin: `http://${host}`,
    httpsOrigin: `https://${host}`,
    otherOrigin: `https://${OTHER_HOST}`,
    otherHost: OTHER_HOST,
  };
}

/** A request the proxy forwarded: the scheme the client used, the origin it named, its headers without the proxy's marker. */
export interface InterceptedRequest {
  scheme: 'https' | 'http';
  origin: string;
  headers: IncomingHttpHeaders;
}

const MARKER_PREFIX = 'x-oac-intercept-';

/** The proxy's marker headers removed: they are the harness's, never judged and never recorded. */
function withoutInterceptHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(MARKER_PREFIX)));
}

export function interceptedRequest(req: IncomingMessage, values: Record<string, string>): InterceptedRequest {
  const scheme = req.headers[INTERCEPT_SCHEME_HEADER.toLowerCase()] === 'http' ? 'http' : 'https';
  const host = typeof req.headers.host === 'string' && req.headers.host !== '' ? req.headers.host : values['host'] ?? REGISTRY_HOST;
  return { scheme, origin: `${scheme}://${host}`, headers: withoutInterceptHeaders(req.headers) };
}

/** The proxy of one scenario: the public names to the main listener, the other name to the other-host listener. */
export function startScenarioProxy(opts: { ca: InterceptCa; main: number; other: number; onEvent: (event: InterceptObservation) => void }): Promise<InterceptProxy> {
  const main = `http://127.0.0.1:${opts.main}`;
  return startInterceptProxy({
    ca: opts.ca,
    routes: [
      { hostname: REGISTRY_HOST, upstream: main },
      { hostname: CLOUD_HOST, upstream: main },
      { hostname: OTHER_HOST, upstream: `http://127.0.0.1:${opts.other}` },
    ],
    onObservation: opts.onEvent,
  });
}

/** What a report shows of a refused request's credential: its kind; the proxy never keeps the value. */
function kindHeaders(kind: CredentialKind | undefined): Record<string, string> {
  return kind === undefined || kind === 'none' ? {} : { authorization: `<${kind}: value not kept>` };
}

/**
 * What the scenario records of the proxy's own events. A refused destination is a request to another
 * host (the same bounds and leak rules as the other-host listener; a CONNECT carries no credential, so
 * it can only count). A failed TLS handshake is kept like the loopback listener's: neutral, for the report.
 * Tunnels and forwarded requests are recorded by the listeners themselves.
 */
export function observeInterceptEvent(scenario: Scenario, event: InterceptObservation, observe: (o: Omit<Observation, 'seq'>) => void): void {
  if (event.kind === 'refused') {
    const target = event.target ?? '';
    observe({
      listener: 'other',
      role: 'other-host',
      method: event.method,
      url: event.method === 'CONNECT' ? event.destination : `http://${event.destination}${target}`,
      headers: kindHeaders(event.credentialKind),
      status: 403,
      findings: leakFindingsOfKind(scenario, event.credentialKind ?? 'none', target),
      reason: `refused by the intercept proxy: ${event.reason}`,
    });
  } else if (event.kind === 'tls-failed') {
    observe({ listener: 'main', role: 'unknown', method: '(tls)', url: '', headers: {}, status: 0, findings: [], reason: `TLS handshake with the intercept proxy for ${event.destination} failed: ${event.reason}` });
  }
}
