/**
 * Registry resources (`/v2/<repository>/manifests/<tag>`, `/v2/<repository>/blobs/<digest>`): a 401
 * Bearer challenge until the request carries a token from our realm that covers the repository and the
 * action, then the catalogue's content or an OCI 404.
 */
import { formatChallenge } from '../protocol/challenge.js';
import type { Finding } from '../rules/findings.js';
import { challengeReason } from '../rules/client/token-url.js';
import { notFoundReason } from '../rules/client/token.js';
import { findManifest, MANIFEST_MEDIA_TYPE, sha256Digest } from './catalogue.js';
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

/**
 * `/v2/<repository>/(manifests|blobs)/<reference>`, the repository being one or more path components as in
 * the OCI distribution spec (Ollama's own client always sends two, `<namespace>/<model>`). The components
 * are taken as received, undecoded; whether they make a valid name is repositoryNameProblem's business.
 */
const RESOURCE = /^\/v2\/((?:[^/]+\/)*[^/]+)\/(manifests|blobs)\/([^/]+)$/;

export function matchResource(path: string): ResourceRoute | undefined {
  const m = RESOURCE.exec(path);
  return m ? { kind: m[2] as ResourceKind, repository: m[1]!, reference: m[3]! } : undefined;
}

/**
 * OCI distribution-spec v1.1 ("Pulling manifests"): `<name>` is
 * `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`; a tag is
 * `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`; a digest is `algorithm ":" encoded` (OCI image-spec descriptor.md).
 */
const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_NAME = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/**
 * The spec notes that many clients limit `<registry host>/<name>` to 255 characters; bounding the name
 * alone by 255 keeps every name a real client could send and refuses the absurd ones.
 */
const MAX_REPOSITORY_LENGTH = 255;
/** A digest is sha256 (71 characters) or sha512 (135) in practice; anything far longer is not one. */
const MAX_DIGEST_LENGTH = 255;

/** Why `repository` is not a valid OCI repository name, or undefined when it is. */
export function repositoryNameProblem(repository: string): string | undefined {
  if (repository.length > MAX_REPOSITORY_LENGTH) return `the repository name is ${repository.length} characters long, more than ${MAX_REPOSITORY_LENGTH}`;
  if (!REPOSITORY_NAME.test(repository)) return `the repository name ${JSON.stringify(repository)} is not an OCI name (lower-case letters and digits, separated by ".", "_", "__" or "-", in components joined by "/")`;
  return undefined;
}

/** Why `reference` is neither a tag nor a digest, or undefined when it is one. */
export function referenceProblem(reference: string): string | undefined {
  if (reference.includes(':')) {
    return reference.length <= MAX_DIGEST_LENGTH && DIGEST.test(reference) ? undefined : `the reference ${JSON.stringify(reference.slice(0, 80))} is not a digest (algorithm:encoded, at most ${MAX_DIGEST_LENGTH} characters)`;
  }
  return TAG.test(reference) ? undefined : `the reference ${JSON.stringify(reference.slice(0, 80))} is not a tag (a letter, digit or "_" then up to 127 of letters, digits, ".", "_", "-")`;
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
  const manifest = findManifest(state.catalogue, key);
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
