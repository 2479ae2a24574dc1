/**
 * Registry resources (`/v2/<ns>/<model>/manifests/<tag>`, `/v2/<ns>/<model>/blobs/<digest>`): a 401
 * Bearer challenge until the request carries a token from our realm that covers the repository and the
 * action, then the catalogue's content or an OCI 404.
 */
import { formatChallenge } from '../protocol/challenge.js';
import type { Finding } from '../rules/findings.js';
import { challengeReason } from '../rules/client/token-url.js';
import { notFoundReason } from '../rules/client/token.js';
import { MANIFEST_MEDIA_TYPE, sha256Digest } from './catalogue.js';
import type { EmulatorState } from './options.js';
import { emptyReply, ociErrorReply, reasonOf, withReason, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';
import { checkBearerToken, scopeFor, type Action } from './token.js';

const REGISTRY_HEADERS = { 'Docker-Distribution-API-Version': 'registry/2.0' };

type ResourceKind = 'manifests' | 'blobs';

export interface ResourceRoute {
  kind: ResourceKind;
  repository: string;
  /** Tag (manifests) or digest (blobs). */
  reference: string;
}

const RESOURCE = /^\/v2\/([^/]+)\/([^/]+)\/(manifests|blobs)\/([^/]+)$/;

export function matchResource(path: string): ResourceRoute | undefined {
  const m = RESOURCE.exec(path);
  return m ? { kind: m[3] as ResourceKind, repository: `${m[1]}/${m[2]}`, reference: m[4]! } : undefined;
}

function actionFor(method: string, kind: ResourceKind): Action | undefined {
  if (method === 'GET' || method === 'HEAD') return 'pull';
  if (method === 'PUT' && kind === 'manifests') return 'push';
  return undefined;
}

/** HEAD answers carry the headers of the GET answer and no body. */
function headOnly(reply: Reply, method: string): Reply {
  if (method !== 'HEAD' || reply.body === undefined) return reply;
  const { body, ...rest } = reply;
  return { ...rest, headers: { ...rest.headers, 'Content-Length': String(Buffer.byteLength(body)) } };
}

export function handleResource(state: EmulatorState, req: EmulatorRequest, route: ResourceRoute): Reply {
  const action = actionFor(req.method, route.kind);
  if (action === undefined) {
    const allow = route.kind === 'manifests' ? 'GET, HEAD, PUT' : 'GET, HEAD';
    return ociErrorReply(405, 'UNSUPPORTED', `${req.method} is not supported on ${route.kind}`, [], { ...REGISTRY_HEADERS, Allow: allow });
  }
  const authorization = req.authorization;
  const bearer = authorization !== undefined && /^bearer(\s|$)/i.test(authorization) ? authorization.replace(/^bearer\s*/i, '') : undefined;
  const findings: Finding[] = bearer === undefined ? [] : checkBearerToken(state, bearer, route.repository, action);
  const refused = findings.find((f) => !f.ok);
  if (bearer === undefined || refused !== undefined) {
    const challenge = formatChallenge({ realm: state.realm(), service: state.service(), scope: scopeFor(route.repository, action) });
    const reason = refused !== undefined ? reasonOf(refused) : challengeReason(authorization);
    return headOnly(withReason(ociErrorReply(401, 'UNAUTHORIZED', 'authentication required', findings, { ...REGISTRY_HEADERS, 'WWW-Authenticate': challenge }), reason), req.method);
  }
  if (route.kind === 'manifests') return headOnly(manifestReply(state, req, route, findings), req.method);
  return headOnly(blobReply(state, route, findings), req.method);
}

function manifestReply(state: EmulatorState, req: EmulatorRequest, route: ResourceRoute, findings: Finding[]): Reply {
  const key = `${route.repository}:${route.reference}`;
  if (req.method === 'PUT') {
    let manifest: unknown;
    try {
      manifest = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      return ociErrorReply(400, 'MANIFEST_INVALID', `manifest invalid: ${(err as Error).message}`, findings, REGISTRY_HEADERS);
    }
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
      return ociErrorReply(400, 'MANIFEST_INVALID', 'manifest invalid: expected a JSON object', findings, REGISTRY_HEADERS);
    }
    const text = req.body.toString('utf8');
    state.catalogue.manifests.set(key, text);
    return emptyReply(201, findings, {
      ...REGISTRY_HEADERS,
      Location: `/v2/${route.repository}/manifests/${route.reference}`,
      'Docker-Content-Digest': sha256Digest(text),
    });
  }
  const manifest = state.catalogue.manifests.get(key);
  if (manifest === undefined) {
    return withReason(ociErrorReply(404, 'MANIFEST_UNKNOWN', 'manifest unknown', findings, REGISTRY_HEADERS), notFoundReason(`manifest ${key}`));
  }
  return {
    status: 200,
    headers: { ...REGISTRY_HEADERS, 'Content-Type': MANIFEST_MEDIA_TYPE, 'Docker-Content-Digest': sha256Digest(manifest) },
    body: manifest,
    findings,
  };
}

function blobReply(state: EmulatorState, route: ResourceRoute, findings: Finding[]): Reply {
  const blob = state.catalogue.blobs.get(route.reference);
  if (blob === undefined) {
    return withReason(ociErrorReply(404, 'BLOB_UNKNOWN', 'blob unknown to registry', findings, REGISTRY_HEADERS), notFoundReason(`blob ${route.reference}`));
  }
  return {
    status: 200,
    headers: { ...REGISTRY_HEADERS, 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': route.reference },
    body: blob,
    findings,
  };
}
