/**
 * What the client process did (exit code, signal, stderr, stdout) and how many requests reached the
 * server, against what a correct client does in the scenario: fail loudly with a useful one-line error,
 * or succeed and print the body; send as many requests as the scenario allows.
 */
import { constants } from 'node:os';
import type { CheckId } from '../../check-ids.js';
import type { RequestRole } from './observations.js';

export const ERROR_CHECKS = {
  surfaced: 'errors/surfaced',
  signinUrl: 'errors/signin-url',
  // Decided by the client's outcome when a scenario lists them (the error text it prints).
  streamEmptyBody: 'errors/stream-empty-body',
  notFound: 'errors/not-found',
} as const satisfies Record<string, CheckId>;

/** What the client process did. */
export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The line of stderr a person needs to see (stack frames dropped). */
  errorLine: string;
}

interface RequestBound {
  min?: number;
  max?: number;
  exactly?: number;
  check?: CheckId;
}

/** What a correct client does in the scenario. */
export interface OutcomeExpectation {
  outcome: 'success' | 'failure';
  error?: { status?: number; contains?: string[]; signinUrl?: boolean };
  requests?: { tokenRequests?: RequestBound; resourceRequests?: RequestBound; otherHost?: RequestBound; total?: RequestBound };
}

/** The parts of an observed request the outcome rules count and compare. */
export interface SeenRequest {
  listener: 'main' | 'other';
  role: RequestRole;
  method: string;
  status: number;
  responseBody?: string;
}

export interface Violation {
  /**
   * 'outcome': how the client ended (did it fail loudly); 'requests': what reached the server (counts);
   * 'crash': the client died instead of failing, which breaks every rule the scenario tests.
   */
  kind: 'outcome' | 'requests' | 'crash';
  /** The check this violation belongs to when the scenario lists it (e.g. a hidden signin_url → errors/signin-url). */
  check?: CheckId;
  message: string;
  expected: string;
  actual: string;
}

function within(bound: RequestBound, n: number): boolean {
  return (bound.min === undefined || n >= bound.min) && (bound.max === undefined || n <= bound.max) && (bound.exactly === undefined || n === bound.exactly);
}

function describeBound(bound: RequestBound): string {
  if (bound.exactly !== undefined) return `exactly ${bound.exactly}`;
  if (bound.min !== undefined && bound.max !== undefined) return bound.min === bound.max ? `exactly ${bound.min}` : `${bound.min}..${bound.max}`;
  if (bound.max !== undefined) return `at most ${bound.max}`;
  return `at least ${bound.min ?? 0}`;
}

/** The body a correct client prints: the last successful answer to the operation it was asked to do. */
function expectedBody(observations: readonly SeenRequest[]): string | undefined {
  const done = observations.filter((o) => o.listener === 'main' && (o.role === 'resource' || o.role === 'api' || o.role === 'challenge') && o.status >= 200 && o.status < 300);
  return done.at(-1)?.responseBody;
}

function sameBody(printed: string, body: string): boolean {
  if (printed === body || printed.trimEnd() === body.trimEnd()) return true;
  try {
    return JSON.stringify(JSON.parse(printed)) === JSON.stringify(JSON.parse(body));
  } catch {
    return false; // not JSON on one side: the exact comparisons above were the only way to match
  }
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * The signal that ended the client, if one did. The client runs under /bin/sh, which does not exec it,
 * so a client killed by signal n usually shows as the shell's exit code 128+n rather than as a signal.
 */
function crashSignal(client: Pick<ProcessOutcome, 'exitCode' | 'signal'>): string | undefined {
  if (client.signal) return client.signal;
  if (client.exitCode !== null && client.exitCode > 128 && client.exitCode < 160) return SIGNAL_NAMES.get(client.exitCode - 128);
  return undefined;
}

/** An unhandled crash that exits with an ordinary code: a Go panic (exit 2) or an uncaught Python/Node exception. */
function crashTrace(client: Pick<ProcessOutcome, 'stderr'>): string | undefined {
  const err = client.stderr;
  if (/^panic: /m.test(err) && /goroutine \d+ \[/.test(err)) return 'a Go panic';
  if (/^Traceback \(most recent call last\):/m.test(err)) return 'an uncaught Python exception';
  if (/^\s+at .+ \(.+:\d+:\d+\)$/m.test(err) && /^(Uncaught )?\w*Error\b/m.test(err)) return 'an uncaught JavaScript exception';
  return undefined;
}

function clientDescription(client: ProcessOutcome): string {
  if (client.signal) return `killed by ${client.signal}`;
  const signal = crashSignal(client);
  return signal ? `exit ${client.exitCode} (the shell's code for a command killed by ${signal})` : `exit ${client.exitCode}`;
}

/** A scenario whose correct outcome is success: exit 0 and the body the server sent, on stdout. */
function successViolations(client: ProcessOutcome, observations: readonly SeenRequest[]): Violation[] {
  const body = expectedBody(observations);
  if (crashSignal(client) || client.exitCode !== 0) {
    return [{ kind: 'outcome', message: `a correct client succeeds here, but this one failed: ${client.errorLine || '(no message)'}`, expected: 'exit 0 and the body on stdout', actual: clientDescription(client) }];
  }
  if (body === undefined) {
    return [{ kind: 'outcome', message: 'the client exited 0 but the server never answered its operation successfully: it reported success it did not get', expected: 'a successful response before exit 0', actual: 'no 2xx answer to the operation' }];
  }
  if (!sameBody(client.stdout, body)) {
    return [{ kind: 'outcome', message: 'the client exited 0 but did not print the body the server sent', expected: body.slice(0, 300), actual: client.stdout.slice(0, 300) || '(nothing on stdout)' }];
  }
  return [];
}

const LOUD_FAILURE = 'a non-zero exit with a one-line error on stderr';

/** A scenario whose correct outcome is failure: no crash, a non-zero exit, an error that says what the server said. */
function failureViolations(client: ProcessOutcome, error: OutcomeExpectation['error']): Violation[] {
  const signal = crashSignal(client);
  const trace = crashTrace(client);
  if (signal) return [{ kind: 'crash', message: `the client crashed (${signal}) instead of failing with an error`, expected: LOUD_FAILURE, actual: clientDescription(client) }];
  if (trace) return [{ kind: 'crash', message: `the client crashed with ${trace} instead of failing with an error`, expected: LOUD_FAILURE, actual: `${clientDescription(client)}: ${client.errorLine}` }];
  if (client.exitCode === 0) {
    return [{ kind: 'outcome', message: 'the client exited 0 after a failed handshake: the failure did not surface', expected: 'a non-zero exit with an error on stderr', actual: `exit 0, stdout ${JSON.stringify(client.stdout.slice(0, 120))}` }];
  }
  if (client.stderr.trim() === '') {
    return [{ kind: 'outcome', message: 'the client failed silently: no message on stderr', expected: 'a one-line error on stderr', actual: `${clientDescription(client)}, empty stderr` }];
  }
  const out: Violation[] = [];
  const said = `${client.stderr}\n${client.stdout}`.toLowerCase();
  if (error?.status !== undefined && !said.includes(String(error.status))) {
    out.push({ kind: 'outcome', message: `the error does not mention the HTTP status ${error.status} the server answered`, expected: `an error mentioning ${error.status}`, actual: client.errorLine });
  }
  for (const fragment of error?.contains ?? []) {
    if (!said.includes(fragment.toLowerCase())) out.push({ kind: 'outcome', message: `the error does not say "${fragment}"`, expected: `an error containing "${fragment}"`, actual: client.errorLine });
  }
  if (error?.signinUrl && !said.includes('/connect?name=')) {
    out.push({ kind: 'outcome', check: ERROR_CHECKS.signinUrl, message: 'the error hides the signin_url the server sent', expected: 'the signin_url (…/connect?name=…&key=…) in the error', actual: client.errorLine });
  }
  return out;
}

const BOUND_NOUN = { tokenRequests: 'token request(s)', resourceRequests: 'resource request(s)', otherHost: 'request(s) to the other host', total: 'request(s)' } as const;

/** Say what happened in words; "total out of bounds: expected exactly 1, got 0" makes a reader decode it. */
function boundMessage(name: keyof typeof BOUND_NOUN, count: number, bound: RequestBound, action: string): string {
  const signed = action === 'registry-manifest' || action.startsWith('cloud-');
  if (count === 0 && name === 'total') return `no ${signed ? 'signed ' : ''}request reached the server: the client never contacted it`;
  if (count === 0 && name === 'tokenRequests') return 'no signed token request reached the server: the client never asked the realm for a token';
  if (count === 0 && name === 'resourceRequests') return 'the client never requested the resource';
  if (name === 'otherHost') return `the client sent ${count} request(s) to another host`;
  const atMost = bound.exactly ?? bound.max;
  if (atMost !== undefined && count > atMost) return `the client sent ${count} ${BOUND_NOUN[name]}, more than a correct client sends (${describeBound(bound)})`;
  return `the client sent only ${count} ${BOUND_NOUN[name]}, fewer than a correct client sends (${describeBound(bound)})`;
}

/** Request counts against the scenario's bounds (TLS handshakes that failed are not requests). */
function requestViolations(expect: OutcomeExpectation, action: string, observations: readonly SeenRequest[]): Violation[] {
  const main = observations.filter((o) => o.listener === 'main' && o.method !== '(tls)');
  const counts = {
    tokenRequests: main.filter((o) => o.role === 'token').length,
    resourceRequests: main.filter((o) => o.role === 'challenge' || o.role === 'resource').length,
    otherHost: observations.filter((o) => o.listener === 'other').length,
    total: observations.filter((o) => o.method !== '(tls)').length,
  };
  const out: Violation[] = [];
  for (const [name, bound] of Object.entries(expect.requests ?? {}) as [keyof typeof counts, RequestBound][]) {
    if (!within(bound, counts[name])) {
      out.push({ kind: 'requests', ...(bound.check ? { check: bound.check } : {}), message: boundMessage(name, counts[name], bound, action), expected: `${describeBound(bound)} ${BOUND_NOUN[name]}`, actual: `${counts[name]} ${BOUND_NOUN[name]}` });
    }
  }
  return out;
}

/** Everything the process and the request counts show against the scenario's expectation, in report order. */
export function outcomeViolations(scenario: { action: string; expect: OutcomeExpectation }, client: ProcessOutcome, observations: readonly SeenRequest[]): Violation[] {
  const { expect } = scenario;
  const own = expect.outcome === 'success' ? successViolations(client, observations) : failureViolations(client, expect.error);
  return [...own, ...requestViolations(expect, scenario.action, observations)];
}
