/**
 * The conformance server: serves one scenario to one client run. It answers as the emulator does
 * (real verification through src/protocol, Ollama-shaped replies), overlays the recorded responses of
 * the scenario's cassette, applies the scenario's mutation, and records an Observation per request.
 * A second listener plays "another host": anything that reaches it is a leak, observed, not guessed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { HarnessError, ProtocolError } from '../errors.js';
import { readBody, route, send } from '../emulator/server.js';
import { resolveOptions, type EmulatorState } from '../emulator/options.js';
import { toEmulatorRequest } from '../emulator/request.js';
import { redactHeaders } from '../emulator/events.js';
import { matchResource } from '../emulator/registry.js';
import type { ClientCertFiles, TlsKit } from '../emulator/tls-cert.js';
import { formatChallenge, parseBearerChallenge } from '../protocol/challenge.js';
import { checkTokenUrl } from '../protocol/token-url.js';
import { goParseUrl } from '../protocol/go-url.js';
import { credentialShape } from '../protocol/authorization.js';
import { check, fail, type Finding } from '../protocol/findings.js';
import { buildTokenResponse } from '../protocol/token-response.js';
import type { Reply } from '../emulator/replies.js';
import { listen } from './listener.js';
import { appliesTo, applyOperation, type TemplateValues } from './mutate.js';
import { bodyText, fromReply, type OutgoingResponse } from './response.js';
import type { CheckId } from '../check-ids.js';
import type { CassetteOverlay } from './cassette.js';
import type { MutationOp, MutationTarget, Observation, RequestRole, Scenario } from './types.js';

export interface ConformanceServerOptions {
  scenario: Scenario;
  /** Public-key field of the key the harness registers (the client's `present` key). */
  registeredKey: string;
  /** The API key the server accepts (given to the client when the scenario grants one). */
  apiKey: string;
  basic: { user: string; pass: string };
  /** Recorded responses to serve instead of the emulator's own bodies. */
  overlay?: CassetteOverlay;
  tsWindowSeconds?: number;
  /** Clock in ms (tests); a scenario's set-clock shifts it. */
  now?: () => number;
  /** The run's certificates, made once per run in its workspace; required by scenarios with set-tls. */
  tlsKit?: () => Promise<TlsKit>;
}

export interface RunningServer {
  origin: string;
  otherOrigin: string;
  /** The CA to give the client in TLS scenarios. */
  caFile: string | undefined;
  /** A client certificate signed by that CA, when the scenario requires mTLS. */
  clientCert: ClientCertFiles | undefined;
  observations: Observation[];
  /** Problems of the harness itself while serving (a bad mutation, an exception): they make the verdict `error`. */
  harnessErrors: string[];
  stop(): Promise<void>;
}

export async function startConformanceServer(opts: ConformanceServerOptions): Promise<RunningServer> {
  const { scenario } = opts;
  const observations: Observation[] = [];
  const harnessErrors: string[] = [];
  const serverOps = scenario.mutation.filter((op) => op.op === 'set-tls' || op.op === 'set-clock');
  const clockOffsetMs = serverOps.filter((op) => op.op === 'set-clock').reduce((sum, op) => sum + (op['offsetSeconds'] as number) * 1000, 0);
  const baseNow = opts.now ?? Date.now;
  const tlsOp = serverOps.find((op) => op.op === 'set-tls' && op.target === 'server');
  const tls = tlsOp ? tlsSettings(tlsOp, await requireTlsKit(opts, scenario.id)) : undefined;

  let origin = '';
  let otherOrigin = '';
  // One emulator configuration; `origin` decides only which URL signatures are rebuilt from.
  const emulatorState = (originOf: () => string): EmulatorState => resolveOptions({
    tsWindowSeconds: opts.tsWindowSeconds ?? 7200,
    authorizedKeys: [opts.registeredKey],
    apiKeys: [opts.apiKey],
    basic: opts.basic,
    now: () => baseNow() + clockOffsetMs,
  }, originOf);
  const state = emulatorState(() => origin);

  // With TLS the same port also answers plain http (downgrade scenarios): a second view of the same
  // emulator whose origin is the http:// name, so signatures are rebuilt from the URL the client used.
  const httpState = tls ? emulatorState(() => origin.replace(/^https:/, 'http:')) : undefined;
  const counts = new Map<MutationTarget, number>();
  const seenApiAuthorizations = new Set<string>();
  let redirectsSent = 0;
  /** The WWW-Authenticate field values last sent, as the client saw them. */
  let lastChallenge: string[] | undefined;
  let seq = 0;
  const observe = (o: Omit<Observation, 'seq'>): void => {
    observations.push({ seq: seq++, ...o });
  };

  const main = await listen((req, res, scheme) => {
    void serveMain(req, res, scheme).catch((err: unknown) => {
      harnessErrors.push(`serving ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  }, tls?.options, (err) => {
    // Neutral: refusing our certificate is right in one scenario and wrong in another; the judge decides
    // from the client's outcome. The observation keeps the reason for the report.
    observe({ listener: 'main', role: 'unknown', method: '(tls)', url: '', headers: {}, status: 0, findings: [], reason: `TLS handshake failed: ${err.message.split('\n')[0]}` });
  });
  const other = await listen((req, res) => {
    void serveOther(req, res).catch((err: unknown) => {
      harnessErrors.push(`other host: ${err instanceof Error ? err.message : String(err)}`);
      res.destroy();
    });
  }, undefined);

  const scheme = tls ? 'https' : 'http';
  origin = `${scheme}://127.0.0.1:${main.port}`;
  // Another host name as well as another port: Go's net/http keeps Authorization on a redirect to the
  // same host name on another port, so 127.0.0.1:<other> would not tell a leak from a legal redirect.
  otherOrigin = `http://localhost:${other.port}`;
  const values: TemplateValues = {
    origin,
    host: `127.0.0.1:${main.port}`,
    port: String(main.port),
    httpOrigin: `http://127.0.0.1:${main.port}`,
    httpsOrigin: `https://127.0.0.1:${main.port}`,
    otherOrigin,
    otherHost: `localhost:${other.port}`,
    token: '',
  };
  values['challenge'] = goldenChallenge(state);

  async function serveMain(req: IncomingMessage, res: ServerResponse, via: 'http' | 'https'): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const body = (await readBody(req)) ?? Buffer.alloc(0);
    const request = toEmulatorRequest(method, target, req.headers, body);
    const role = roleOf(request.path, request.authorization);
    // On the dual-protocol port a request over plain http was signed for the http:// origin it used.
    let reply: Reply = route(via === 'http' && httpState ? httpState : state, request);
    // A request that follows one of our own redirects may rightly carry no credential (it was dropped on purpose).
    const afterRedirect = redirectsSent > 0 && request.authorization === undefined;
    let findings = afterRedirect && role === 'api' ? [] : flowFindings(scenario, role, request.authorization, reply.findings);
    const hostHeader = req.headers.host ?? '';
    if (request.authorization !== undefined && /^(bearer\s*)?[A-Za-z0-9+/=]+:/i.test(request.authorization) && !['present', 'unregistered'].includes(scenario.client.key)) {
      findings.push(fail('keys/bad-key-no-request', `the key file is ${scenario.client.key}, yet the client sent a signed request`, 'no signed request (fail before any I/O)', credentialShape(request.authorization)));
    }
    if (role === 'resource' && request.authorization !== undefined && /^bearer\s*$/i.test(request.authorization)) {
      findings.push(fail('apikey/no-empty-bearer', 'the client sent "Authorization: Bearer" with an empty credential', 'a token, or no Authorization at all', credentialShape(request.authorization)));
    }
    if (role === 'resource' && request.authorization !== undefined && !/^bearer(\s|$)/i.test(request.authorization)) {
      // The emulator only sees "not a Bearer token" and challenges again; the rule broken is the retry's form.
      findings.push(fail('registry/retry/bearer-once', 'the retry carries its credential without the "Bearer" scheme', 'Authorization: Bearer <token>', credentialShape(request.authorization)));
    }
    if (role === 'token' && lastChallenge !== undefined) {
      // The challenge the client was actually sent (after the scenario's mutation) decides the rules that
      // copy it: one scope parameter per space-separated scope, in order (several-scopes scenarios), and the
      // realm's own query kept (the emulator's golden realm has none).
      const challenged = challengeSent(lastChallenge);
      if (challenged !== undefined) {
        const copied: CheckId[] = ['registry/token-url/realm-query-kept', ...(challenged.scope !== undefined ? ['registry/token-url/scope-per-item' as const] : [])];
        findings = findings.filter((f) => !copied.includes(f.id));
        findings.push(...checkTokenUrl(`${values['origin']}${target}`, challenged).filter((f) => copied.includes(f.id)));
      }
    }
    if (role === 'token' && hostHeader !== values['host']) {
      // The realm named this listener under another host string (F-03) and the client followed it: that is
      // the realm-host rule broken. Its signature covers the other name, so the signature verdict would only
      // be an echo of the same mistake.
      findings = findings.filter((f) => f.id !== 'registry/token-request/signature');
      findings.push(fail('registry/realm/same-host', `the client sent its signed token request to host "${hostHeader}", not the resource host "${values['host']}"`, `host ${values['host']}`, `host ${hostHeader}`));
    }
    if (role === 'api' && request.authorization !== undefined && (scenario.action === 'cloud-tags' || scenario.action === 'cloud-whoami')) {
      // Ed25519 is deterministic: the same Authorization twice means the same ts and string signed twice.
      findings.push(check('direct/fresh-ts', !seenApiAuthorizations.has(request.authorization),
        'Each signed request carries its own ts (and so its own signature).', 'a new ts per request', 'the same ts and signature as an earlier request'));
      seenApiAuthorizations.add(request.authorization);
      const scheme = /^([^\s:]+)\s+\S/.exec(request.authorization)?.[1];
      if (scheme !== undefined && scheme.toLowerCase() !== 'bearer') {
        // "<scheme> <A>:<B>": the verifier reads the scheme word as part of the key field, so its key-field and
        // signature verdicts would only echo the wrong form.
        findings = findings.filter((f) => f.id !== 'keys/pubkey-field' && f.id !== 'direct/signature');
        findings.push(fail('direct/header-form', `Authorization starts with the scheme word "${scheme}": a direct request sends "<A>:<B>" or "Bearer <A>:<B>"`, '<A>:<B> or Bearer <A>:<B>', credentialShape(request.authorization)));
      }
    }
    if (tls && via === 'http' && request.authorization !== undefined) {
      // This request should never have been sent. What else is wrong with it (a redirect target without the
      // signed ts, the same signature twice) only echoes the downgrade, so the downgrade is the one verdict.
      findings = findings.filter((f) => f.ok);
      findings.push(fail(role === 'token' ? 'registry/realm/no-downgrade' : 'tls/no-downgrade', `a ${role} request carrying credentials came over plain http to a server the client reached over https`, 'https', 'http'));
    }
    if (opts.overlay) reply = opts.overlay.apply(role, reply);
    const outgoing = fromReply(reply);
    const mutated = mutate(outgoing, targetOf(role), { ...values, token: issuedToken(role, reply) });
    if (role === 'challenge' || role === 'resource') {
      const sent = outgoing.headers.filter(([n]) => n.toLowerCase() === 'www-authenticate').map(([, v]) => v);
      if (sent.length > 0) lastChallenge = sent;
    }
    if (outgoing.status >= 300 && outgoing.status < 400 && outgoing.headers.some(([n]) => n.toLowerCase() === 'location')) redirectsSent++;
    observe({ listener: 'main', role, method, url: target, headers: redactHeaders(req.headers), status: outgoing.drop ? 0 : outgoing.status, findings, responseBody: reportableBody(role, outgoing), ...(reply.reason ? { reason: reply.reason } : {}), ...(mutated.length ? { mutated } : {}) });
    await deliver(res, outgoing, method);
  }

  async function serveOther(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    const method = req.method ?? 'GET';
    const findings = leakFindings(scenario, req.headers.authorization, req.url ?? '/');
    // Without credentials another host refuses, as a real one would, so a client that follows a redirect
    // correctly (dropping Authorization) still fails. With them it takes the bait and answers like the
    // service it impersonates, so a leaking client keeps going and shows what it does next.
    const reply: Reply = req.headers.authorization === undefined
      ? { status: 401, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'unauthorized' }), findings: [] }
      : { status: 200, headers: { 'Content-Type': 'application/json' }, body: baitBody(req.url ?? '/'), findings: [] };
    observe({ listener: 'other', role: 'other-host', method, url: req.url ?? '/', headers: redactHeaders(req.headers), status: reply.status, findings });
    send(res, reply, method);
  }

  function mutate(res: OutgoingResponse, target: MutationTarget | undefined, values: TemplateValues): number[] {
    if (target === undefined) return [];
    const occurrence = (counts.get(target) ?? 0) + 1;
    counts.set(target, occurrence);
    const applied: number[] = [];
    scenario.mutation.forEach((op: MutationOp, index) => {
      if (!appliesTo(op, target, occurrence)) return;
      applyOperation(res, op, values);
      applied.push(index);
    });
    return applied;
  }

  return {
    origin,
    otherOrigin,
    caFile: tls?.caFile,
    clientCert: tls?.clientCert,
    observations,
    harnessErrors,
    async stop() {
      await Promise.all([main.close(), other.close()]);
    },
  };
}

function baitBody(target: string): string {
  return target.startsWith('/v2/token') ? buildTokenResponse('other-host-bait-token') : JSON.stringify({ models: [] });
}

/** The realm and scope of the Bearer challenge a client was sent, when they parse (a malformed one decides nothing here). */
function challengeSent(fields: string[]): { realm: string; scope?: string } | undefined {
  try {
    const { realm, scope } = parseBearerChallenge(fields);
    goParseUrl(realm);
    return scope === undefined ? { realm } : { realm, scope };
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** `{{token}}`: the token the emulator issued in this token response (empty when it refused). */
function issuedToken(role: RequestRole, reply: Reply): string {
  if (role !== 'token' || reply.status !== 200 || reply.body === undefined) return '';
  const parsed = JSON.parse(Buffer.from(reply.body).toString('utf8')) as { token?: unknown };
  return typeof parsed.token === 'string' ? parsed.token : '';
}

/** The resource request without a credential is the one that gets challenged; with one, it is the retry. */
function roleOf(path: string, authorization: string | undefined): RequestRole {
  if (path === '/v2/token') return 'token';
  if (matchResource(path)) return authorization ? 'resource' : 'challenge';
  if (path.startsWith('/api/')) return 'api';
  return 'unknown';
}

function targetOf(role: RequestRole): MutationTarget | undefined {
  return role === 'challenge' || role === 'token' || role === 'resource' || role === 'api' ? role : undefined;
}

/** The model every registry scenario pulls (it is in the emulator's catalogue). */
export const SCENARIO_MODEL = { repository: 'library/llama3', tag: 'latest' };

/** The challenge the server sends unmutated: `{{challenge}}` in scenario templates. */
function goldenChallenge(state: EmulatorState): string {
  return formatChallenge({ realm: state.realm(), service: state.service(), scope: `repository:${SCENARIO_MODEL.repository}:pull` });
}

/**
 * What a credential on the "other host" means: which rule the client broke by sending it there. A
 * signed token request there came from following a realm (a challenge naming another host) unless the
 * scenario redirected the token request, in which case the client carried it across a redirect.
 */
function leakFindings(scenario: Scenario, authorization: string | undefined, target: string): Finding[] {
  if (!authorization) return [];
  const shape = /^basic /i.test(authorization) ? 'basic' : /^bearer [A-Za-z0-9+/]{68}:/i.test(authorization) || /^[A-Za-z0-9+/]{68}:/.test(authorization) ? 'signature' : /^bearer /i.test(authorization) ? 'bearer' : 'other';
  const redirected = scenario.mutation.some((op) => op.op === 'redirect');
  const id = shape === 'basic' ? 'basic/no-cross-host'
    : shape === 'signature'
      ? (scenario.action !== 'registry-manifest' ? 'direct/signature' : redirected || !target.startsWith('/v2/token') ? 'registry/token/no-cross-host' : 'registry/realm/same-host')
      : scenario.action === 'apikey-tags' ? 'apikey/origin-scoped' : 'registry/token/no-cross-host';
  return [fail(id, `the client sent its ${shape === 'signature' ? 'signed Authorization' : shape === 'basic' ? 'Basic credentials' : 'bearer credential'} to another host`, 'no credential sent to another host', `Authorization: ${shape}`)];
}

const MAX_REPORTED_BODY = 64 * 1024;

/** The body as a report may show it: token values reduced to their shape, size capped. */
function reportableBody(role: RequestRole, res: OutgoingResponse): string {
  let text = bodyText(res);
  if (role === 'token') text = text.replace(/("(?:access_)?token"\s*:\s*")([^"]*)"/g, (_m, head: string, token: string) => `${head}<token:${token.length} chars>"`);
  return text.length > MAX_REPORTED_BODY ? `${text.slice(0, MAX_REPORTED_BODY)}…(truncated)` : text;
}

/**
 * The emulator judges an /api/* request by whatever credential it carries. In the Basic and API-key
 * flows a request with the wrong kind of credential (or none) is judged by that flow's rule instead, so
 * a client that dropped its user:pass is told so, not told its (absent) key signature is wrong.
 */
function flowFindings(scenario: Scenario, role: RequestRole, authorization: string | undefined, findings: readonly Finding[]): Finding[] {
  if (role !== 'api') return [...findings];
  const shape = authorization === undefined ? '(none)' : credentialShape(authorization);
  if (scenario.action === 'basic-tags' && !/^basic\s/i.test(authorization ?? '')) {
    if ((scenario.client.credentials ?? 'valid') === 'absent') return [];
    return [
      fail('basic/userinfo', 'the user:pass in the URL did not become Basic credentials', 'Authorization: Basic <base64(user:pass)>', shape),
      fail('basic/credentials', 'no Basic credentials were sent to a server that requires them', 'Authorization: Basic <base64(user:pass)>', shape),
    ];
  }
  if (scenario.action === 'apikey-tags' && !/^bearer(?:\s+[^:\s]*)?$/i.test(authorization ?? '')) {
    if ((scenario.client.apiKey ?? 'absent') === 'absent') return authorization === undefined ? [] : [fail('apikey/bearer', 'no OLLAMA_API_KEY was given, yet the client sent a credential', '(no Authorization)', shape)];
    return [fail('apikey/bearer', 'OLLAMA_API_KEY was set but not sent as "Authorization: Bearer <key>"', 'Authorization: Bearer <key>', shape)];
  }
  if ((scenario.action === 'cloud-tags' || scenario.action === 'cloud-whoami') && authorization === undefined) {
    // OLLAMA_AUTH=1 is set for the cloud actions: a correct client signs even for a host that is not ollama.com.
    // What the verifier then says about the missing signature (no header, no ts, nothing to verify) echoes that.
    return [fail('direct/sign-when', 'OLLAMA_AUTH=1 was set, but the request carries no signature', 'Authorization: <pubkey>:<signature>', '(none)'), ...findings.filter((f) => f.ok)];
  }
  return [...findings];
}

async function deliver(res: ServerResponse, out: OutgoingResponse, method: string): Promise<void> {
  if (out.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, out.delayMs));
  if (out.drop) {
    res.socket?.destroy();
    return;
  }
  const headers = new Map<string, string[]>();
  for (const [name, value] of out.headers) headers.set(name, [...(headers.get(name) ?? []), value]);
  const flat: Record<string, string | string[]> = {};
  for (const [name, list] of headers) flat[name] = list.length === 1 ? list[0]! : list;
  if (out.chunks !== undefined) {
    res.writeHead(out.status, flat);
    for (const chunk of out.chunks) res.write(chunk);
    res.end();
    return;
  }
  flat['Content-Length'] = String(out.body?.length ?? 0);
  res.writeHead(out.status, flat);
  res.end(method === 'HEAD' ? undefined : out.body);
}

interface TlsSettings {
  options: { cert: Buffer; key: Buffer; ca?: Buffer; minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; requestCert?: boolean; rejectUnauthorized?: boolean; ciphers?: string };
  caFile: string;
  clientCert: ClientCertFiles | undefined;
}

async function requireTlsKit(opts: ConformanceServerOptions, scenarioId: string): Promise<TlsKit> {
  if (!opts.tlsKit) throw new HarnessError('conformance/no-tls-kit', `scenario ${scenarioId} serves TLS, but the run made no certificates (pass tlsKit to startConformanceServer)`);
  return opts.tlsKit();
}

function tlsSettings(op: MutationOp, kit: TlsKit): TlsSettings {
  const certificate = (op['certificate'] as string | undefined) ?? 'trusted';
  if (certificate === 'expired' || certificate === 'wrong-host') {
    throw new HarnessError('conformance/unsupported', `set-tls certificate "${certificate}" is not implemented by this harness version`);
  }
  // "untrusted": the server presents a certificate from a second CA the client is never given.
  const served = certificate === 'untrusted' ? kit.untrusted : kit.trusted;
  return {
    options: {
      cert: readFileSync(served.certPath),
      key: readFileSync(served.keyPath),
      ...(op['minVersion'] ? { minVersion: op['minVersion'] as TlsSettings['options']['minVersion'] } : {}),
      ...(op['maxVersion'] ? { maxVersion: op['maxVersion'] as TlsSettings['options']['maxVersion'] } : {}),
      // OpenSSL 3 refuses every TLS 1.0/1.1 handshake at its default security level (no SHA-1 signature
      // algorithm), so without this a server "speaking only TLS 1.1" would fail every client alike and
      // tls/min-version could never catch one that accepts it.
      ...(op['maxVersion'] === 'TLSv1' || op['maxVersion'] === 'TLSv1.1' ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
      ...(op['requireClientCert'] ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(kit.trusted.caPath) } : {}),
    },
    caFile: kit.trusted.caPath,
    clientCert: op['requireClientCert'] ? kit.client : undefined,
  };
}

