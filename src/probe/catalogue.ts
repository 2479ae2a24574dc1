/**
 * specs/routes.json as the probe reads it: the routes Ollama's router registers, the one safe request per
 * route, what Ollama answers to it, and the router's own answers (405, path spellings). The typed loader
 * is src/local-ollama/catalogue.ts (one definition, shared with the stand-in that answers from the same
 * file); this module adds the checks the probe relies on. The probe has no route list of its own:
 * everything it sends is derived from this file.
 */
import { HarnessError } from '../errors.js';
import { loadRouteCatalogue, type CatalogueRoute, type RouteCatalogue } from '../local-ollama/catalogue.js';

export type { OllamaAnswer, RouteCatalogue } from '../local-ollama/catalogue.js';
export type Route = CatalogueRoute;

/** How messages name the catalogue. */
export const CATALOGUE_LABEL = 'specs/routes.json';

/**
 * What the schema cannot say: every method the probe may send has an answer to compare with, and no
 * probe request uses a method whose registration forbids sending it.
 */
function assertProbeable(c: RouteCatalogue, label: string = CATALOGUE_LABEL): void {
  const problem = (route: Route, text: string): HarnessError => new HarnessError('probe/catalogue', `${label}: route ${route.id}: ${text}`);
  const ids = new Set<string>();
  for (const route of c.routes) {
    if (ids.has(route.id)) throw problem(route, 'duplicate route id');
    ids.add(route.id);
    const probeRegistration = route.registrations.find((r) => r.method === route.probe.method);
    if (route.probe.kind === 'method-not-allowed') {
      if (route.methods.includes(route.probe.method)) throw problem(route, `its method-not-allowed probe uses ${route.probe.method}, which the route registers`);
      if (route.probe.body !== '') throw problem(route, 'its method-not-allowed probe has a body');
    } else if (!probeRegistration?.sendProbe) {
      throw problem(route, `its probe method ${route.probe.method} is not a registration the probe may send`);
    }
    for (const reg of route.registrations) {
      if (reg.sendProbe && reg.method !== route.probe.method && reg.ollamaAnswer === undefined) {
        throw problem(route, `registration ${reg.method} may be sent but has no ollamaAnswer to recognise`);
      }
    }
  }
}

/** The catalogue (default: the shipped specs/routes.json), checked for what the probe relies on. */
export function routeCatalogue(file?: string): RouteCatalogue {
  const catalogue = loadRouteCatalogue(file);
  assertProbeable(catalogue, file ?? CATALOGUE_LABEL);
  return catalogue;
}
