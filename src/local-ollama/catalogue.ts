/**
 * specs/routes.json as typed data: the one list of Ollama's routes. The stand-in server routes from it and
 * the probe walks it; neither keeps a second list. See specs/schemas/routes.schema.json for every field.
 */
import { join } from 'node:path';
import { OacError } from '../errors.js';
import { readJsonFile, specsDir } from '../specs/load.js';
import { describeErrors, newAjv, SpecInvalidError } from '../specs/validate.js';

export type RouteEffect = 'public' | 'read' | 'write' | 'inference' | 'account' | 'spend';

export interface OllamaAnswer {
  status: number;
  contentType: string;
  body?: string;
  bodyMatch: string;
  headers?: Record<string, string>;
  why: string;
}

export interface RouteRegistration {
  method: string;
  handlers: string[];
  source: string;
  effect: RouteEffect;
  /** What the handler does once validation passes; null for reads. Non-null ⇒ passing validation changes state. */
  acts: string | null;
  sendProbe: boolean;
  ollamaAnswer?: OllamaAnswer;
}

export interface ProbeRequest {
  kind: 'read' | 'validation' | 'method-not-allowed';
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  ollamaAnswer: OllamaAnswer;
  safe: string;
}

export interface CatalogueRoute {
  id: string;
  pattern: string;
  methods: string[];
  allow: string;
  effect: RouteEffect;
  public: boolean;
  registrations: RouteRegistration[];
  probe: ProbeRequest;
}

export interface PathSpelling {
  id: string;
  example: { method: string; target: string };
  goPath: string | null;
  outcome: 'handler' | 'redirect' | 'not-found' | 'bad-request';
  status: number;
  location?: string;
  layer: 'net/http' | 'ServeMux' | 'gin';
  why: string;
}

export interface MethodSpelling {
  id: string;
  example: { method: string; target: string; headers?: Record<string, string> };
  status: number;
  why: string;
}

export interface RouteCatalogue {
  description: string;
  source: string;
  commit: string;
  probeValues: { invalidModel: string; invalidDigest: string; why: string };
  router: {
    methodTreeOrder: string[];
    notFound: { status: number; contentType: string; body: string };
    methodNotAllowed: { status: number; contentType: string; body: string };
    cors: { allowOrigins: string[]; allowCredentials: boolean; preflight: { status: number; headers: Record<string, string> }; [key: string]: unknown };
    [key: string]: unknown;
  };
  routes: CatalogueRoute[];
  pathSpellings: PathSpelling[];
  methodSpellings: MethodSpelling[];
  [key: string]: unknown;
}

const ROUTES_FILE = 'routes.json';

let cached: RouteCatalogue | undefined;

function shippedFile(): string {
  return join(specsDir(), ROUTES_FILE);
}

/**
 * specs/routes.json as shipped (parsed once per process), or another catalogue file, which is checked
 * against specs/schemas/routes.schema.json first and refused with the failing JSON pointer. The shipped
 * file is schema-checked by the test suite instead of at every start: compiling the schema costs about a
 * second on a busy machine, at each `oac emulate --local-ollama`.
 */
export function loadRouteCatalogue(file?: string): RouteCatalogue {
  if (file === undefined || file === shippedFile()) {
    cached ??= readJsonFile(shippedFile()) as RouteCatalogue;
    return cached;
  }
  const doc = readJsonFile(file);
  // routes.schema.json refers to no other schema, so it compiles alone.
  const validate = newAjv().compile(readJsonFile(join(specsDir(), 'schemas', 'routes.schema.json')) as object);
  if (!validate(doc)) throw new SpecInvalidError(file, describeErrors(validate.errors ?? []));
  return doc as RouteCatalogue;
}

export function routeById(catalogue: RouteCatalogue, id: string): CatalogueRoute {
  const route = catalogue.routes.find((r) => r.id === id);
  if (!route) throw new OacError('local-ollama/unknown-route', `no route ${JSON.stringify(id)} in the catalogue (expected one of ${catalogue.routes.map((r) => r.id).join(', ')})`);
  return route;
}
