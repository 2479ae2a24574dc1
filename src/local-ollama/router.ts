/**
 * gin v1.10.0's routing decision for Ollama's route table (specs/routes.json): a handler, a trailing-slash
 * redirect, 405 or 404. Routing works on Go's decoded URL.Path (UseRawPath is off), case-sensitively; a
 * `:name` segment matches one non-empty segment. Redirects are decided before any middleware runs, like
 * gin does (gin.go@v1.10.0 L605-671).
 */
import type { CatalogueRoute, RouteCatalogue, RouteRegistration } from './catalogue.js';

export type RouteDecision =
  | { kind: 'handler'; route: CatalogueRoute; registration: RouteRegistration; params: Record<string, string> }
  | { kind: 'trailing-slash-redirect'; route: CatalogueRoute; newPath: string; status: 301 | 307 }
  | { kind: 'method-not-allowed'; route: CatalogueRoute; allow: string }
  | { kind: 'not-found' };

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      params[w.slice(1)] = g;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

interface Match {
  route: CatalogueRoute;
  params: Record<string, string>;
}

function findRoute(catalogue: RouteCatalogue, path: string, method?: string): Match | undefined {
  for (const route of catalogue.routes) {
    if (method !== undefined && !route.methods.includes(method)) continue;
    const params = matchPattern(route.pattern, path);
    if (params) return { route, params };
  }
  return undefined;
}

/** The methods gin has a route tree for: only those can match or trailing-slash-redirect. */
function hasTree(catalogue: RouteCatalogue, method: string): boolean {
  return catalogue.router.methodTreeOrder.includes(method);
}

export function decideRoute(catalogue: RouteCatalogue, method: string, path: string): RouteDecision {
  if (hasTree(catalogue, method)) {
    const exact = findRoute(catalogue, path, method);
    if (exact) {
      const registration = exact.route.registrations.find((r) => r.method === method)!;
      return { kind: 'handler', route: exact.route, registration, params: exact.params };
    }
    if (method !== 'CONNECT' && path !== '/') {
      const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
      const slashFixed = other === '' ? undefined : findRoute(catalogue, other, method);
      if (slashFixed) return { kind: 'trailing-slash-redirect', route: slashFixed.route, newPath: other, status: method === 'GET' ? 301 : 307 };
    }
  }
  const known = findRoute(catalogue, path);
  if (known) {
    const allow = catalogue.router.methodTreeOrder.filter((m) => m !== method && known.route.methods.includes(m)).join(', ');
    return { kind: 'method-not-allowed', route: known.route, allow };
  }
  return { kind: 'not-found' };
}
