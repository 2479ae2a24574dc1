/**
 * The probe plan: data, built from specs/routes.json and the credentials given — routes × methods ×
 * credential variants × path spellings. Nothing here sends anything.
 *
 * Safety: a request is either the catalogue's own probe request for a route (or a registered method the
 * catalogue marks `sendProbe`, with the probe's path, headers and body), or a method the router does not
 * register for the path, without a body (Ollama answers 405 without running a handler). `assertSafe`
 * checks every request against the catalogue again right before it is sent, so a bug in the plan cannot
 * turn into a pull, a delete or a sign-out.
 */
import { HarnessError } from '../errors.js';
import type { ExchangePurpose } from '../rules/probe/observations.js';
import { CATALOGUE_LABEL, type OllamaAnswer, type Route, type RouteCatalogue } from './catalogue.js';
import { noCredentialsVariant, refusedVariants, validCredentials, type AppliedCredentials } from './credentials.js';
import type { ProbeTarget } from './target.js';

export interface PlannedRequest {
  route: Route;
  purpose: ExchangePurpose;
  method: string;
  /** The route's probe path as the catalogue writes it. */
  canonicalPath: string;
  /** The path as sent (after the spelling), before the target's base path. */
  path: string;
  spelling: string;
  /** true: the request line carries an absolute-form target (`http://host/api/tags`). */
  absoluteForm: boolean;
  /** Headers the catalogue's probe request carries (Content-Type). */
  headers: Record<string, string>;
  body: string;
  /** What Ollama answers to exactly this request. */
  expected: OllamaAnswer;
  credentials: AppliedCredentials;
  /** Extra headers that do not change what Ollama does (Origin for the CORS probe). */
  extraHeaders: Record<string, string>;
}

/** The methods of RFC 9110 §9 a proxy may treat differently (CONNECT and TRACE are not tried). */
const STANDARD_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Method spellings of the catalogue the plan sends (others are covered by STANDARD_METHODS). */
const METHOD_SPELLINGS: Record<string, (route: Route, example: string) => string> = {
  // The route's main method in lower case: the probe's own, or the registered one its stand-in replaces.
  'lower-case-method': (route) => (route.probe.kind === 'method-not-allowed' ? route.methods[0]! : route.probe.method).toLowerCase(),
  'unknown-method': (_route, example) => example,
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Ollama's 405 for a method the route does not register: gin's text, or no body for HEAD, and Allow. */
export function methodNotAllowedAnswer(catalogue: RouteCatalogue, route: Route, method: string): OllamaAnswer {
  const router = catalogue.router.methodNotAllowed;
  const body = method === 'HEAD' ? '' : router.body ?? '';
  return {
    status: router.status ?? 405,
    contentType: router.contentType ?? 'text/plain',
    body,
    bodyMatch: `^${escapeRegExp(body)}$`,
    headers: { Allow: route.allow },
    why: `gin answers 405 for a method ${route.pattern} does not register (Allow: ${route.allow}), without running a handler`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Path spellings: each id of the catalogue whose outcome is `handler` maps to how it is made from a path.

export interface SpelledPath {
  path: string;
  absoluteForm: boolean;
}

function percentEncode(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** undefined: the spelling does not apply to this path (e.g. no letter to encode in `/`). */
const SPELLINGS: Record<string, ((path: string) => SpelledPath | undefined) | 'same-as-percent-encoded-letter'> = {
  'percent-encoded-letter': (path) => {
    const i = path.search(/[A-Za-z]/);
    return i === -1 ? undefined : { path: `${path.slice(0, i)}${percentEncode(path[i]!)}${path.slice(i + 1)}`, absoluteForm: false };
  },
  // The catalogue shows percent-encoded-letter once more on a POST route: the same transformation.
  'percent-encoded-post': 'same-as-percent-encoded-letter',
  'percent-encoded-all': (path) => (path === '/' ? undefined : { path: path.split('/').map((seg) => [...seg].map(percentEncode).join('')).join('/'), absoluteForm: false }),
  'percent-encoded-slash': (path) => {
    const inner = path.indexOf('/', 1);
    return inner === -1 ? undefined : { path: `${path.slice(0, inner)}%2F${path.slice(inner + 1)}`, absoluteForm: false };
  },
  'query-string': (path) => ({ path: `${path}${path.includes('?') ? '&' : '?'}oac=1`, absoluteForm: false }),
  'absolute-form': (path) => ({ path, absoluteForm: true }),
};

/** The spellings the plan sends: the catalogue's `handler` spellings except `canonical`. */
export function handlerSpellings(catalogue: RouteCatalogue): Array<{ id: string; apply: (path: string) => SpelledPath | undefined }> {
  const out: Array<{ id: string; apply: (path: string) => SpelledPath | undefined }> = [];
  for (const s of catalogue.pathSpellings) {
    if (s.outcome !== 'handler' || s.id === 'canonical') continue;
    const how = SPELLINGS[s.id];
    if (how === undefined) {
      throw new HarnessError('probe/unknown-spelling', `${CATALOGUE_LABEL}: path spelling ${s.id} reaches Ollama's handler, but the probe does not know how to make it: add it to SPELLINGS in src/probe/plan.ts`);
    }
    if (how === 'same-as-percent-encoded-letter') continue;
    out.push({ id: s.id, apply: how });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Building the plan

interface Template {
  route: Route;
  purpose: ExchangePurpose;
  method: string;
  headers: Record<string, string>;
  body: string;
  expected: OllamaAnswer;
}

/** The requests that prove a route reachable: its probe, and every other method the catalogue lets us send. */
export function routeTemplates(route: Route): Template[] {
  const probe = route.probe;
  if (probe.kind === 'method-not-allowed') {
    return [{ route, purpose: 'stand-in', method: probe.method, headers: probe.headers, body: probe.body, expected: probe.ollamaAnswer }];
  }
  const out: Template[] = [{ route, purpose: 'registered-method', method: probe.method, headers: probe.headers, body: probe.body, expected: probe.ollamaAnswer }];
  for (const reg of route.registrations) {
    if (!reg.sendProbe || reg.method === probe.method) continue;
    out.push({ route, purpose: 'registered-method', method: reg.method, headers: probe.headers, body: probe.body, expected: reg.ollamaAnswer! });
  }
  return out;
}

function planned(t: Template, credentials: AppliedCredentials, spelled: SpelledPath = { path: t.route.probe.path, absoluteForm: false }, spelling = 'canonical', purpose: ExchangePurpose = t.purpose): PlannedRequest {
  return {
    route: t.route,
    purpose,
    method: t.method,
    canonicalPath: t.route.probe.path,
    path: spelled.path,
    spelling,
    absoluteForm: spelled.absoluteForm,
    headers: t.headers,
    body: t.body,
    expected: t.expected,
    credentials,
    extraHeaders: {},
  };
}

/** Methods the router does not register for the route, each answered 405 by Ollama (no body sent). */
export function unregisteredMethods(catalogue: RouteCatalogue, route: Route): string[] {
  const standIn = route.probe.kind === 'method-not-allowed' ? route.probe.method : undefined;
  const methods = STANDARD_METHODS.filter((m) => !route.methods.includes(m) && m !== standIn);
  for (const s of catalogue.methodSpellings) {
    const make = METHOD_SPELLINGS[s.id];
    if (make === undefined) continue;
    const m = make(route, s.example.method);
    if (!route.methods.includes(m) && m !== standIn && !methods.includes(m)) methods.push(m);
  }
  return methods;
}

/**
 * Every request of a probe, in sending order. Version-disclosing routes (`public`) get only requests
 * without credentials: an open one is a disclosure (SHOULD), and credentials add nothing there.
 */
export function buildPlan(catalogue: RouteCatalogue, target: ProbeTarget): PlannedRequest[] {
  const none = noCredentialsVariant();
  const valid = validCredentials(target);
  const refused = refusedVariants(target);
  const spellings = handlerSpellings(catalogue);
  const plan: PlannedRequest[] = [];
  let oncePlanned = false;
  for (const route of catalogue.routes) {
    const templates = routeTemplates(route);
    for (const t of templates) {
      plan.push(planned(t, none));
      if (route.public) continue;
      if (valid) plan.push(planned(t, valid));
      for (const v of refused) if (v.scope === 'route' || !oncePlanned) plan.push(planned(t, v));
      oncePlanned = true;
    }
    for (const method of unregisteredMethods(catalogue, route)) {
      const t: Template = { route, purpose: 'unregistered-method', method, headers: {}, body: '', expected: methodNotAllowedAnswer(catalogue, route, method) };
      plan.push(planned(t, none));
    }
    const main = templates[0]!;
    for (const s of spellings) {
      const spelled = s.apply(route.probe.path);
      if (spelled !== undefined) plan.push(planned(main, none, spelled, s.id, 'path-spelling'));
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------
// The safety guard

/** Go's decoding of a path (percent escapes only), for comparing a spelling with its canonical path. */
function decodePath(path: string): string {
  return path.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

function unsafe(req: PlannedRequest, why: string): HarnessError {
  return new HarnessError('probe/unsafe-request', `refusing to send ${req.method} ${req.path} (route ${req.route.id}): ${why}; the probe only sends the catalogue's probe requests and body-less methods the router does not register`);
}

/**
 * Throws unless the request is derived from the catalogue: the catalogue's route (by identity), its
 * probe path in some spelling, and either a registration the catalogue lets us send with the probe's
 * exact headers and body, or a method the route does not register, without a body.
 */
export function assertSafe(req: PlannedRequest, catalogue: RouteCatalogue): void {
  const route = catalogue.routes.find((r) => r === req.route);
  if (route === undefined) throw unsafe(req, 'the route is not one of the catalogue\'s');
  if (req.canonicalPath !== route.probe.path) throw unsafe(req, `the path is not the catalogue's probe path ${route.probe.path}`);
  const pathOnly = req.path.split('?')[0]!;
  if (decodePath(pathOnly) !== route.probe.path) {
    throw unsafe(req, `the spelled path does not decode to ${route.probe.path}`);
  }
  if (route.methods.includes(req.method)) {
    const reg = route.registrations.find((r) => r.method === req.method);
    if (!reg?.sendProbe) throw unsafe(req, `the catalogue forbids sending ${req.method} to ${route.pattern} (${reg?.acts ?? 'it acts'})`);
    if (req.body !== route.probe.body) throw unsafe(req, 'the body is not the catalogue\'s probe body');
    if (JSON.stringify(req.headers) !== JSON.stringify(route.probe.headers)) throw unsafe(req, 'the headers are not the catalogue\'s probe headers');
    return;
  }
  if (req.body !== '') throw unsafe(req, `${req.method} is not registered for ${route.pattern}, so it goes without a body`);
}
