/**
 * The Ollama behind every proxy in these tests: src/local-ollama (Ollama's router and answers as data
 * from specs/routes.json), one per deployment so that "did this request reach Ollama?" is a question
 * about one request log only. Also the request bodies Ollama rejects at validation, from the same
 * catalogue, so that nothing these tests send could have pulled, deleted or generated anything.
 */
import { readFileSync } from 'node:fs';
import { createLocalOllama } from '../../src/local-ollama/index.js';

export interface BackendRequest {
  method: string;
  /** The request target as the proxy sent it (still percent-encoded if it was). */
  target: string;
  /** true when Ollama would have acted (pulled, deleted, generated…): must never happen here. */
  stateChanging: boolean;
  /** Whether an Authorization header arrived (the ready configurations keep it at the proxy). */
  hadAuthorization: boolean;
}

export interface Backend {
  url: string;
  requests(): BackendRequest[];
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const ollama = await createLocalOllama({ port: 0 });
  return {
    url: ollama.url,
    requests: () =>
      ollama.requests().map((r) => ({ method: r.method, target: r.target, stateChanging: r.stateChanging, hadAuthorization: 'authorization' in r.headers })),
    close: () => ollama.close(),
  };
}

interface RouteProbe {
  method: string;
  path: string;
  body: string;
}
let probes: RouteProbe[] | undefined;

/**
 * The body of specs/routes.json's probe request for this method and (decoded) path: a request Ollama
 * refuses at validation. '' for a route or method the catalogue has no probe for (a GET, an
 * unregistered method: Ollama's router answers those without running a handler).
 */
export function probeBody(method: string, path: string): string {
  probes ??= (JSON.parse(readFileSync('specs/routes.json', 'utf8')) as { routes: { probe?: RouteProbe }[] }).routes.flatMap((r) => (r.probe ? [r.probe] : []));
  const decoded = decodeURIComponent(path.split('?')[0]);
  return probes.find((p) => p.method === method && p.path === decoded)?.body ?? '';
}
