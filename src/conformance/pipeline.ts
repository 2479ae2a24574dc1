/**
 * The conformance server's answer to one request, as named stages:
 *   classify (the request's role) → emulate (the emulator's handler) → rules (the client rules over what
 *   was seen) → overlay (the scenario's cassette) → mutate (the scenario's operations) → deliver.
 * Each stage is a small function; the run's memory (what was sent before) is the RunState they share.
 */
import type { ServerResponse } from 'node:http';
import { serviceOf, type EmulatorHandler, type EmulatorRequest, type Reply } from '../emulator/index.js';
import { matchResource } from '../emulator/registry.js';
import type { Finding } from '../rules/findings.js';
import { redactBodyFields } from '../redaction/index.js';
import { clientRequestFindings } from '../rules/client/request.js';
import type { CassetteOverlay } from './cassette.js';
import { appliesTo, applyOperation, type TemplateValues } from './mutate.js';
import { bodyText, headerValues, type OutgoingResponse } from './response.js';
import type { ModelName, ServedModel } from './served-model.js';
import type { MutationTarget, RequestRole, Scenario } from './types.js';

/** What the server has sent so far in this run: the stages read it and update it. */
export interface RunState {
  readonly scenario: Scenario;
  /**
   * `{{origin}}`, `{{host}}`, … for mutation templates: what is fixed when the server starts. The model's
   * values and `{{challenge}}` come from `model`, `{{token}}` from each response (see templateValues).
   */
  readonly values: TemplateValues;
  /** The model this run serves: fixed in loopback mode, adopted from the client's first manifest request in intercept mode. */
  readonly model: ServedModel;
  /** `{{challenge}}`: the challenge the emulator sends, unmutated, for a model. */
  readonly goldenChallenge: (model: ModelName) => string;
  /** Mutation occurrences so far, per target. */
  readonly occurrences: Map<MutationTarget, number>;
  /** Authorization values of /api/* requests so far (the same one twice is a reused ts). */
  readonly apiAuthorizations: Set<string>;
  redirectsSent: number;
  /** The WWW-Authenticate field values last sent, as the client saw them. */
  lastChallenge: string[] | undefined;
}

/** The emulator as seen over each scheme the main listener speaks. */
export interface Emulators {
  main: EmulatorHandler;
  /** With TLS: the same emulator named by its http:// origin (downgrade scenarios), else undefined. */
  plainHttp: EmulatorHandler | undefined;
}

/** classify: the resource request without a credential is the one that gets challenged; with one, it is the retry. */
export function classify(request: EmulatorRequest): RequestRole {
  switch (serviceOf(request.path)) {
    case 'token': return 'token';
    case 'registry': return request.authorization ? 'resource' : 'challenge';
    case 'api': return 'api';
    case 'none': return 'unknown';
  }
}

/** emulate: on the dual-protocol port a request over plain http was signed for the http:// origin it used. */
export function emulate(emulators: Emulators, request: EmulatorRequest, via: 'http' | 'https'): Reply {
  const handler = via === 'http' && emulators.plainHttp ? emulators.plainHttp : emulators.main;
  return handler.handle(request);
}

/**
 * rules: the client rules over the request, the emulator's findings and what the run has sent before.
 * `receivedOrigin`: the origin the request named (intercept mode: its scheme and Host), else the server's.
 */
export function applyRules(run: RunState, request: EmulatorRequest, role: RequestRole, reply: Reply, overPlainHttp: boolean, receivedOrigin: string = run.values['origin'] ?? ''): Finding[] {
  const { authorization } = request;
  const repeated = authorization !== undefined && role === 'api' && run.apiAuthorizations.has(authorization);
  if (authorization !== undefined && role === 'api') run.apiAuthorizations.add(authorization);
  return clientRequestFindings(run.scenario, {
    role,
    authorization,
    emulatorFindings: reply.findings,
    // A request that follows one of our own redirects may rightly carry no credential (it was dropped on purpose).
    afterOurRedirect: run.redirectsSent > 0 && authorization === undefined,
    lastChallenge: run.lastChallenge,
    receivedUrl: `${receivedOrigin}${request.target}`,
    hostHeader: typeof request.headers.host === 'string' ? request.headers.host : '',
    resourceHost: run.values['host'] ?? '',
    repeatedAuthorization: repeated,
    overPlainHttp,
  });
}

/**
 * overlay: the cassette's recorded responses instead of the emulator's own bodies, when the scenario has
 * one, naming the repository the request named (as the emulator's own answer does).
 */
export function overlay(cassette: CassetteOverlay | undefined, role: RequestRole, reply: Reply, request: EmulatorRequest): Reply {
  return cassette ? cassette.apply(role, reply, matchResource(request.path)?.repository) : reply;
}

function targetOf(role: RequestRole): MutationTarget | undefined {
  return role === 'challenge' || role === 'token' || role === 'resource' || role === 'api' ? role : undefined;
}

/** `{{token}}`: the token the emulator issued in this token response (empty when it refused). */
function issuedToken(role: RequestRole, reply: Reply): string {
  if (role !== 'token' || reply.status !== 200 || reply.body === undefined) return '';
  const parsed = JSON.parse(Buffer.from(reply.body).toString('utf8')) as { token?: unknown };
  return typeof parsed.token === 'string' ? parsed.token : '';
}

/** Every template value of a response: the run's fixed ones, its model's, `{{challenge}}` for that model, `{{token}}`. */
function templateValues(run: RunState, token: string): TemplateValues {
  return { ...run.values, ...run.model.templateValues(), challenge: run.goldenChallenge(run.model.name), token };
}

/** mutate: the scenario's operations for this target and occurrence; returns the indexes applied. */
export function mutate(run: RunState, role: RequestRole, reply: Reply, res: OutgoingResponse): number[] {
  const target = targetOf(role);
  if (target === undefined) return [];
  const occurrence = (run.occurrences.get(target) ?? 0) + 1;
  run.occurrences.set(target, occurrence);
  const values = templateValues(run, issuedToken(role, reply));
  const applied: number[] = [];
  run.scenario.mutation.forEach((op, index) => {
    if (!appliesTo(op, target, occurrence)) return;
    applyOperation(res, op, values);
    applied.push(index);
  });
  return applied;
}

/**
 * What the run remembers of a response about to go out: the challenge as the client sees it (the rules of
 * the next token request compare against it) and whether we redirected.
 */
export function noteSent(run: RunState, role: RequestRole, sent: OutgoingResponse): void {
  if (role === 'challenge' || role === 'resource') {
    const challenge = headerValues(sent, 'www-authenticate');
    if (challenge.length > 0) run.lastChallenge = challenge;
  }
  if (sent.status >= 300 && sent.status < 400 && headerValues(sent, 'location').length > 0) run.redirectsSent++;
}

const MAX_REPORTED_BODY = 64 * 1024;

/** The body as a report may show it: token values reduced to their shape, size capped. */
export function reportableBody(role: RequestRole, res: OutgoingResponse): string {
  let text = bodyText(res);
  if (role === 'token') text = redactBodyFields(text, (token) => `<token:${token.length} chars>`);
  return text.length > MAX_REPORTED_BODY ? `${text.slice(0, MAX_REPORTED_BODY)}…(truncated)` : text;
}

/**
 * deliver: the response as mutated (repeated header fields kept), after its delay, or a dropped connection.
 * `onWait` hears when a delay starts and ends (the runner lends the job slot meanwhile).
 */
export async function deliver(res: ServerResponse, out: OutgoingResponse, method: string, onWait?: (waiting: boolean) => void): Promise<void> {
  if (out.delayMs > 0) {
    onWait?.(true);
    try {
      await new Promise((resolve) => setTimeout(resolve, out.delayMs));
    } finally {
      onWait?.(false);
    }
  }
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
