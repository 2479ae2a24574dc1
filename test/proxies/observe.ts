/**
 * A small, independent oracle for the proxy catalogues: it sends a fixed sample of requests and
 * handshakes to a running deployment and says which probe checks that sample shows failing, each with
 * its evidence. It is deliberately not the probe (no route catalogue, no answer comparison: it asks the
 * backend's request log whether a request arrived), so a catalogue entry's mustFail/mayFail are proven
 * without trusting the code they will later judge.
 */
import type { TlsMaterial } from '../helpers/proxies.js';
import { clientCertificate, credentialRequest, type CheckId, type CredentialVariant, type Deployment, type GeneratedCredentials } from './catalog.js';
import { send, type ProxyAnswer, type ProxyRequest } from './http-client.js';
import { probeBody, type Backend } from './backend.js';

export interface RunningDeployment {
  deployment: Deployment;
  backend: Backend;
  url: string;
}

/** Requests without credentials, each standing for the check that fails when it reaches Ollama. */
export const UNAUTHENTICATED_SAMPLE: { method: string; path: string; check: CheckId }[] = [
  { method: 'GET', path: '/', check: 'probe/disclosure/version' },
  { method: 'HEAD', path: '/', check: 'probe/disclosure/version' },
  { method: 'GET', path: '/api/version', check: 'probe/disclosure/version' },
  // Routes with a method Ollama registers for them (server/routes.go@fb30760 L1877-1926).
  { method: 'GET', path: '/api/tags', check: 'probe/access/no-credentials' },
  { method: 'HEAD', path: '/api/tags', check: 'probe/access/no-credentials' },
  { method: 'GET', path: '/api/ps', check: 'probe/access/no-credentials' },
  { method: 'POST', path: '/api/show', check: 'probe/access/no-credentials' },
  { method: 'POST', path: '/api/pull', check: 'probe/access/no-credentials' },
  { method: 'DELETE', path: '/api/delete', check: 'probe/access/no-credentials' },
  { method: 'POST', path: '/api/chat', check: 'probe/access/no-credentials' },
  { method: 'POST', path: '/v1/chat/completions', check: 'probe/access/no-credentials' },
  { method: 'POST', path: '/v1/messages', check: 'probe/access/no-credentials' },
  { method: 'GET', path: '/v1/models', check: 'probe/access/no-credentials' },
  // Methods Ollama does not register on these paths: its router answers 405 if they get through.
  { method: 'OPTIONS', path: '/api/tags', check: 'probe/access/methods' },
  { method: 'OPTIONS', path: '/v1/chat/completions', check: 'probe/access/methods' },
  { method: 'PUT', path: '/api/tags', check: 'probe/access/methods' },
  { method: 'GET', path: '/api/pull', check: 'probe/access/methods' },
  // Spellings Ollama's router maps to a protected route (it decodes the path; a trailing slash redirects).
  { method: 'GET', path: '/%61pi/tags', check: 'probe/access/path-spelling' },
  { method: 'POST', path: '/%761/chat/completions', check: 'probe/access/path-spelling' },
  { method: 'GET', path: '/api/tags/', check: 'probe/access/path-spelling' },
];

/** Wrong credentials are tried on these routes only (the full product is the probe's job). */
const WRONG_CREDENTIAL_ROUTES = [
  { method: 'GET', path: '/api/tags' },
  { method: 'POST', path: '/v1/chat/completions' },
];
const WRONG_VARIANTS: Record<Deployment['credentials'], [CredentialVariant, CheckId][]> = {
  basic: [
    ['wrong-password', 'probe/access/wrong-credentials'],
    ['other-scheme', 'probe/access/malformed-authorization'],
    ['malformed', 'probe/access/malformed-authorization'],
  ],
  'api-key': [
    ['wrong-key', 'probe/access/wrong-credentials'],
    ['other-scheme', 'probe/access/malformed-authorization'],
    ['malformed', 'probe/access/malformed-authorization'],
    ['key-other-case', 'probe/access/key-variants'],
    ['key-with-suffix', 'probe/access/key-variants'],
    ['key-with-prefix', 'probe/access/key-variants'],
    ['key-in-query', 'probe/access/key-variants'],
  ],
  'client-certificate': [],
};

/** Node's codes for a server certificate that does not verify against the CA or the host name. */
const SERVER_CERTIFICATE_ERRORS = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
]);

const TLS_BELOW: Record<string, ('TLSv1' | 'TLSv1.1' | 'TLSv1.2')[]> = { '1.2': ['TLSv1', 'TLSv1.1'], '1.3': ['TLSv1', 'TLSv1.1', 'TLSv1.2'] };

export const describeAnswer = (a: ProxyAnswer): string => (a.ok ? `HTTP ${a.status}` : `${a.code ?? 'error'}: ${a.error.split('\n')[0]}`);

/** Sends one request; `reached` when the backend's log grew by exactly this request. */
export async function sendAndObserve(r: RunningDeployment, req: ProxyRequest): Promise<{ answer: ProxyAnswer; reached: boolean }> {
  const before = r.backend.requests().length;
  // Without a body of its own, a request carries the one Ollama rejects at validation for that route.
  const answer = await send(r.url, { ...req, body: req.body ?? (probeBody(req.method ?? 'GET', req.path) || undefined) });
  const after = r.backend.requests();
  if (after.length > before + 1) throw new Error(`one request to ${r.deployment.id} reached the backend ${after.length - before} times`);
  if (after.length === before + 1) {
    const seen = after[after.length - 1];
    const expected = `${req.method ?? 'GET'} ${decodeURIComponent(req.path.split('?')[0])}`;
    const got = `${seen.method} ${decodeURIComponent(seen.target.split('?')[0])}`;
    // The proxy may forward the path still encoded (Ollama decodes it), never another route or method.
    if (got !== expected) throw new Error(`${r.deployment.id}: sent ${expected}, the backend received ${got}`);
  }
  return { answer, reached: after.length === before + 1 };
}

/**
 * The checks this deployment fails on the sample, each with the evidence (what was sent, what came
 * back). An empty object means the sample found no hole.
 */
export async function observeFailingChecks(r: RunningDeployment, tls: TlsMaterial, creds: GeneratedCredentials): Promise<Record<string, string[]>> {
  const d = r.deployment;
  const failing: Record<string, string[]> = {};
  const fail = (check: CheckId, evidence: string) => (failing[check] ??= []).push(evidence);
  // A deployment whose mistake is its certificate is still probed for everything else.
  const tlsOptions: Pick<ProxyRequest, 'ca' | 'insecure'> = r.url.startsWith('https:') ? { ca: tls.caCert, insecure: d.serverCertificate !== 'valid' } : {};
  const clientCert = d.credentials === 'client-certificate' ? clientCertificate('valid', tls) : {};

  const valid = await sendAndObserve(r, { ...credentialRequest(d.credentials, 'valid', creds, { method: 'GET', path: '/api/tags' }), ...clientCert, ...tlsOptions });
  if (!valid.reached) fail('probe/access/valid-credentials', `GET /api/tags with the right credentials: ${describeAnswer(valid.answer)}`);

  for (const sample of UNAUTHENTICATED_SAMPLE) {
    const { answer, reached } = await sendAndObserve(r, { ...sample, ...tlsOptions });
    if (!reached) continue;
    const evidence = `${sample.method} ${sample.path} without credentials reached Ollama (${describeAnswer(answer)})`;
    fail(sample.check, evidence);
    if (d.credentials === 'client-certificate') fail('probe/mtls/no-client-cert', evidence);
  }
  for (const route of WRONG_CREDENTIAL_ROUTES) {
    for (const [variant, check] of WRONG_VARIANTS[d.credentials]) {
      const req = credentialRequest(d.credentials, variant, creds, route);
      const { answer, reached } = await sendAndObserve(r, { ...req, ...tlsOptions });
      if (reached) fail(check, `${route.method} ${req.path} with ${variant} (${req.headers?.authorization ?? 'no Authorization'}) reached Ollama (${describeAnswer(answer)})`);
    }
    if (d.credentials === 'client-certificate') {
      const { answer, reached } = await sendAndObserve(r, { ...route, ...clientCertificate('foreign', tls), ...tlsOptions });
      if (reached) fail('probe/mtls/foreign-client-cert', `${route.method} ${route.path} with a client certificate from another CA reached Ollama (${describeAnswer(answer)})`);
    }
  }

  const preflight = await send(r.url, {
    method: 'OPTIONS',
    path: '/api/chat',
    headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    ...tlsOptions,
  });
  if (preflight.ok) {
    const allowOrigin = preflight.headers['access-control-allow-origin'];
    if ((allowOrigin === 'https://attacker.example' || allowOrigin === '*') && preflight.headers['access-control-allow-credentials'] === 'true') {
      fail('probe/cors/foreign-origin', `a preflight from https://attacker.example got Access-Control-Allow-Origin: ${allowOrigin} with credentials`);
    }
  }

  if (!r.url.startsWith('https:')) {
    fail('probe/tls/plaintext', `${r.url} is plain http`);
    return failing;
  }
  // With the client certificate: an mTLS server's alert about a missing one is not about its own certificate.
  const verified = await send(r.url, { path: '/', ca: tls.caCert, ...clientCert });
  if (!verified.ok && verified.code === 'CERT_HAS_EXPIRED') fail('probe/tls/expiry', describeAnswer(verified));
  else if (!verified.ok && SERVER_CERTIFICATE_ERRORS.has(verified.code ?? '')) fail('probe/tls/certificate', describeAnswer(verified));

  const expected = d.probeArgs[d.probeArgs.indexOf('--expect-tls') + 1];
  for (const version of TLS_BELOW[expected] ?? []) {
    // OpenSSL 3 offers TLS 1.0/1.1 only at security level 0: the client must not be what refuses them.
    // The client certificate goes along: a handshake refused for want of one says nothing about the version.
    const answer = await send(r.url, { path: '/', ...tlsOptions, ...clientCert, tlsVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
    if (!answer.ok) continue;
    const evidence = `a ${version} handshake completed (${describeAnswer(answer)})`;
    fail('probe/tls/min-version', evidence);
    if (version !== 'TLSv1.2') fail('probe/tls/legacy-versions', evidence);
  }
  return failing;
}
