/**
 * One request through Ollama's stack, in Ollama's order, with no I/O: net/http's request checks,
 * DefaultServeMux's path cleaning, gin's routing (trailing-slash redirect, 405, 404), the CORS and
 * allowed-hosts middlewares, then the route's handler. Each step answers the way that layer does.
 *
 * State-changing rule (one place): a request is state-changing exactly when it reaches a registration
 * whose catalogue `acts` is not null and that registration's handler got past its validation.
 */
import { decideRoute } from './router.js';
import { applyAllowedHosts, applyCors, type CorsConfig } from './middleware.js';
import { BadTargetError, goPathClean, goRedirect, goUrlString, muxCleanPath, parseRequestTarget, type ParsedTarget } from './go-request.js';
import { compatHandlers } from './handlers-compat.js';
import { nativeHandlers, type Handler } from './handlers-native.js';
import { HarnessError } from '../errors.js';
import type { RouteCatalogue } from './catalogue.js';
import type { ModelStore } from './store.js';
import { ginEmpty, type Reply } from './replies.js';

export interface PipelineRequest {
  method: string;
  /** The raw request target as it came on the request line. */
  target: string;
  httpVersion: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface PipelineConfig {
  catalogue: RouteCatalogue;
  store: ModelStore;
  version: string;
  /** Ollama's allowed-hosts check runs only when it listens on a loopback address. */
  listensOnLoopback: boolean;
}

export interface PipelineAnswer {
  reply: Reply;
  /** Go's decoded URL.Path; null when Go refused the target. */
  path: string | null;
  /** Catalogue id of the route whose pattern matched the path (for 405 too); null otherwise. */
  route: string | null;
  stateChanging: boolean;
  reason: string;
  /** Go closes the connection after this answer (request errors). */
  closeConnection: boolean;
}

const HANDLERS: Record<string, Record<string, Handler>> = { ...nativeHandlers, ...compatHandlers };

/** Every catalogue registration has a handler and every handler a registration: checked at start-up. */
export function checkHandlersCoverCatalogue(catalogue: RouteCatalogue): void {
  const missing: string[] = [];
  const wanted = new Set<string>();
  for (const route of catalogue.routes) {
    for (const reg of route.registrations) {
      wanted.add(`${route.id} ${reg.method}`);
      if (!HANDLERS[route.id]?.[reg.method]) missing.push(`${reg.method} ${route.pattern} (${route.id})`);
    }
  }
  const extra = Object.entries(HANDLERS).flatMap(([id, byMethod]) => Object.keys(byMethod).map((m) => `${id} ${m}`)).filter((k) => !wanted.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new HarnessError('local-ollama/catalogue-mismatch', `the local Ollama handlers and the route catalogue disagree: ${missing.length ? `no handler for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `handlers for routes the catalogue lacks: ${extra.join(', ')}` : ''}`);
  }
}

function answer(reply: Reply, fields: Partial<PipelineAnswer> & { reason: string }): PipelineAnswer {
  return { reply, path: null, route: null, stateChanging: false, closeConnection: false, ...fields };
}

function goBadRequest(detail?: string): Reply {
  const text = detail === undefined ? '400 Bad Request' : `400 Bad Request: ${detail}`;
  return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }, body: text };
}

function withHeaders(reply: Reply, extra: Record<string, string | string[]>): Reply {
  return { ...reply, headers: { ...extra, ...reply.headers } };
}

export function runPipeline(config: PipelineConfig, req: PipelineRequest): PipelineAnswer {
  const { catalogue } = config;
  // net/http: HTTP/1.1 requires Host; the target must parse.
  if (req.httpVersion === '1.1' && req.headers['host'] === undefined) {
    return answer(goBadRequest('missing required Host header'), { reason: 'net/http: missing Host header', closeConnection: true });
  }
  let target: ParsedTarget;
  try {
    target = parseRequestTarget(req.target);
  } catch (err) {
    if (!(err instanceof BadTargetError)) throw err;
    return answer(goBadRequest(), { reason: `net/http: ${err.message}`, closeConnection: true });
  }
  if (target.form === 'asterisk') {
    if (req.method === 'OPTIONS') return answer({ status: 200, headers: { 'Content-Length': '0' }, body: '' }, { reason: 'net/http answers OPTIONS *' });
    return answer({ status: 400, headers: { Connection: 'close' }, body: '' }, { reason: 'ServeMux refuses target * for this method', closeConnection: true });
  }
  const host = target.authority ?? req.headers['host'] ?? '';

  // DefaultServeMux: redirect unclean escaped paths before gin sees them.
  if (req.method !== 'CONNECT') {
    const cleaned = muxCleanPath(target.escapedPath);
    if (cleaned !== target.escapedPath) {
      const redirect = goRedirect(req.method, goUrlString(cleaned, target.rawQuery), 301);
      return answer(redirect, { path: target.path, reason: `ServeMux redirects the unclean path to ${redirect.headers['Location']}` });
    }
  }

  const decision = decideRoute(catalogue, req.method, target.path);
  if (decision.kind === 'trailing-slash-redirect') {
    const redirect = goRedirect(req.method, goUrlString(trailingSlashTarget(req, decision.newPath), target.rawQuery), decision.status);
    return answer(redirect, { path: target.path, reason: `gin redirects the trailing-slash spelling to ${redirect.headers['Location']}` });
  }

  const routeId = decision.kind === 'not-found' ? null : decision.route.id;
  const base = { path: target.path, route: routeId };
  const cors = applyCors(corsConfig(catalogue), req.method, req.headers['origin'], host);
  if (cors.kind === 'abort') return answer(withHeaders(ginEmpty(cors.status), cors.headers), { ...base, reason: cors.reason });
  const hosts = applyAllowedHosts(config.listensOnLoopback, req.method, host);
  if (hosts.kind === 'abort') return answer(withHeaders(ginEmpty(hosts.status), cors.headers), { ...base, reason: hosts.reason });

  if (decision.kind === 'not-found') {
    const nf = catalogue.router.notFound;
    return answer({ status: nf.status, headers: { ...cors.headers, 'Content-Type': nf.contentType }, body: nf.body }, { ...base, reason: 'gin: no route matches the path' });
  }
  if (decision.kind === 'method-not-allowed') {
    const mna = catalogue.router.methodNotAllowed;
    return answer(
      { status: mna.status, headers: { ...cors.headers, Allow: decision.allow, 'Content-Type': mna.contentType }, body: mna.body },
      { ...base, reason: `gin: ${req.method} is not registered for ${decision.route.pattern} (Allow: ${decision.allow})` },
    );
  }

  const handler = HANDLERS[decision.route.id]![req.method]!;
  const outcome = handler({ method: req.method, params: decision.params, headers: req.headers, body: req.body, store: config.store, version: config.version });
  const stateChanging = outcome.acted !== null && decision.registration.acts !== null;
  return answer(withHeaders(outcome.reply, cors.headers), { ...base, stateChanging, reason: stateChanging ? outcome.acted! : outcome.note });
}

/**
 * gin's redirectTrailingSlash puts a cleaned X-Forwarded-Prefix (only [A-Za-z0-9/-] kept) in front of the
 * path; http.Redirect then cleans the result (goRedirect).
 */
function trailingSlashTarget(req: PipelineRequest, newPath: string): string {
  const header = req.headers['x-forwarded-prefix'] ?? '';
  const cleaned = goPathClean(header);
  if (cleaned === '.') return newPath;
  const prefix = cleaned.replace(/[^a-zA-Z0-9/-]+/g, '').replace(/\/{2,}/g, '/');
  return `${prefix}/${newPath}`;
}

function corsConfig(catalogue: RouteCatalogue): CorsConfig {
  return { allowOrigins: catalogue.router.cors.allowOrigins };
}
