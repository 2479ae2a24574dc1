/**
 * The emulator without a socket: `handle(request) → reply`. createEmulator serves it on node:http(s); the
 * conformance server calls it for every request of a scenario and builds its own pipeline around it.
 */
import type { Finding } from '../rules/findings.js';
import { missingClientCertFinding } from '../rules/client/tls.js';
import { handleApi, matchApi } from './api.js';
import { resolveOptions, type EmulatorOptions, type EmulatorState } from './options.js';
import { handleResource, matchResource } from './registry.js';
import { ociErrorReply, ollamaErrorReply, withReason, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';
import { handleTokenRequest } from './token-endpoint.js';

export interface EmulatorHandler {
  /** The emulator's whole answer to one request read in full, with the findings of the checks it ran. */
  handle(request: EmulatorRequest): Reply;
  /** `<origin>/v2/token`: the realm of the emulator's challenges. */
  realm(): string;
  /** The `service` of the emulator's challenges: the origin's host. */
  service(): string;
}

/**
 * @param origin the origin clients use, asked for on every request (signatures are rebuilt from it), so it
 * may be known only once the caller listens. `publicOrigin` in options, when given, wins.
 */
export function createEmulatorHandler(options: EmulatorOptions, origin: () => string | undefined): EmulatorHandler {
  const state = resolveOptions(options, origin);
  return {
    handle: (request) => route(state, request),
    realm: () => state.realm(),
    service: () => state.service(),
  };
}

/** Pure routing: the emulator's answer to one request (the conformance server builds on it). */
export function route(state: EmulatorState, req: EmulatorRequest): Reply {
  if (req.clientCertAuthorized === false) {
    return withReason(failureReply(req.path, 400, 'DENIED', 'client certificate required', [missingClientCertFinding()]));
  }
  const service = serviceOf(req.path);
  if (service === 'token') return handleTokenRequest(state, req);
  const resource = service === 'registry' ? matchResource(req.path) : undefined;
  if (resource) return handleResource(state, req, resource);
  const api = service === 'api' ? matchApi(req.path) : undefined;
  if (api) return handleApi(state, req, api.route, api.method);
  return ollamaErrorReply(404, '404 page not found', [], {});
}

/**
 * Which emulated service a path belongs to: the token endpoint, a registry resource (manifest or blob),
 * ollama.com's /api/* namespace (a path there the emulator does not serve is a 404 of that service), or none.
 * The one route dispatch: route() answers by it, and the conformance server classifies requests by it.
 */
export type EmulatedService = 'token' | 'registry' | 'api' | 'none';

export function serviceOf(path: string): EmulatedService {
  if (path === '/v2/token') return 'token';
  if (matchResource(path)) return 'registry';
  if (path.startsWith('/api/')) return 'api';
  return 'none';
}

/** Failures the emulator raises itself, in the error shape of the service the path belongs to. */
export function failureReply(path: string, status: number, ociCode: string, message: string, findings: Finding[] = []): Reply {
  return path.startsWith('/v2/') ? ociErrorReply(status, ociCode, message, findings) : ollamaErrorReply(status, message, findings);
}
