/**
 * The judge: one verdict per check, from two channels. The server channel is what the conformance
 * server observed (protocol findings per request, request counts, leaks to the other host); the
 * client channel is what the process did (exit code, stderr, stdout). A failure never rests on one
 * channel alone when the other disagrees silently: a client that refuses the bad realm but exits 0
 * did not fail loudly, and one that exits 1 after leaking its signature still leaked.
 */
import { constants } from 'node:os';
import type { Finding } from '../protocol/findings.js';
import type { CheckEntry } from '../specs/catalog.js';
import type { CheckId } from '../check-ids.js';
import { errorLine } from './client-output.js';
import type { Bound, ClientRun, Observation, Scenario, Verdict, VerdictKind } from './types.js';

export interface JudgeInput {
  scenario: Scenario;
  observations: Observation[];
  client: ClientRun | undefined;
  harnessErrors: string[];
  catalog: ReadonlyMap<string, CheckEntry>;
  timeoutMs: number;
}

/** Exit code 3 + "unsupported" on stderr: the client does not implement the action (exec contract v1). */
export const UNSUPPORTED_EXIT_CODE = 3;

/** The worst verdict of a list: one severity order for clients and servers (src/rules/verdicts.ts). */
export { worstOf as worstVerdict } from '../rules/verdicts.js';

/**
 * Server-side findings that the scenario provokes on purpose are not the client's fault: a shifted
 * server clock makes every ts "stale", an unregistered key is unknown by design, and so on.
 */
function provokedChecks(scenario: Scenario): Set<CheckId> {
  const ids = new Set<CheckId>();
  if (scenario.mutation.some((op) => op.op === 'set-clock')) {
    ids.add('registry/token-request/ts-window').add('direct/ts-window');
  }
  // The emulator decides an unknown key with direct/known-key on the token endpoint too (the catalogue has no
  // registry-specific id), so that one id covers both flows.
  if (scenario.client.key === 'unregistered') ids.add('direct/known-key');
  if (scenario.client.apiKey === 'revoked' || scenario.client.apiKey === 'empty' || scenario.client.apiKey === 'absent') ids.add('apikey/bearer');
  if (scenario.client.credentials === 'wrong' || scenario.client.credentials === 'absent') ids.add('basic/credentials');
  return ids;
}

interface Violation {
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

function within(bound: Bound, n: number): boolean {
  return (bound.min === undefined || n >= bound.min) && (bound.max === undefined || n <= bound.max) && (bound.exactly === undefined || n === bound.exactly);
}

function describeBound(bound: Bound): string {
  if (bound.exactly !== undefined) return `exactly ${bound.exactly}`;
  if (bound.min !== undefined && bound.max !== undefined) return bound.min === bound.max ? `exactly ${bound.min}` : `${bound.min}..${bound.max}`;
  if (bound.max !== undefined) return `at most ${bound.max}`;
  return `at least ${bound.min ?? 0}`;
}

/** The body a correct client prints: the last successful answer to the operation it was asked to do. */
export function expectedBody(observations: readonly Observation[]): string | undefined {
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
export function crashSignal(client: ClientRun): string | undefined {
  if (client.signal) return client.signal;
  if (client.exitCode !== null && client.exitCode > 128 && client.exitCode < 160) return SIGNAL_NAMES.get(client.exitCode - 128);
  return undefined;
}

/** An unhandled crash that exits with an ordinary code: a Go panic (exit 2) or an uncaught Python/Node exception. */
export function crashTrace(client: ClientRun): string | undefined {
  const err = client.stderr;
  if (/^panic: /m.test(err) && /goroutine \d+ \[/.test(err)) return 'a Go panic';
  if (/^Traceback \(most recent call last\):/m.test(err)) return 'an uncaught Python exception';
  if (/^\s+at .+ \(.+:\d+:\d+\)$/m.test(err) && /^(Uncaught )?\w*Error\b/m.test(err)) return 'an uncaught JavaScript exception';
  return undefined;
}

function clientDescription(client: ClientRun): string {
  if (client.signal) return `killed by ${client.signal}`;
  const signal = crashSignal(client);
  return signal ? `exit ${client.exitCode} (the shell's code for a command killed by ${signal})` : `exit ${client.exitCode}`;
}

const firstLine = errorLine;

function violations(input: JudgeInput, client: ClientRun): Violation[] {
  const { scenario, observations } = input;
  const out: Violation[] = [];
  const expect = scenario.expect;
  if (expect.outcome === 'success') {
    const body = expectedBody(observations);
    if (crashSignal(client) || client.exitCode !== 0) {
      out.push({ kind: 'outcome', message: `a correct client succeeds here, but this one failed: ${firstLine(client.stderr) || '(no message)'}`, expected: 'exit 0 and the body on stdout', actual: clientDescription(client) });
    } else if (body === undefined) {
      out.push({ kind: 'outcome', message: 'the client exited 0 but the server never answered its operation successfully: it reported success it did not get', expected: 'a successful response before exit 0', actual: 'no 2xx answer to the operation' });
    } else if (!sameBody(client.stdout, body)) {
      out.push({ kind: 'outcome', message: 'the client exited 0 but did not print the body the server sent', expected: body.slice(0, 300), actual: client.stdout.slice(0, 300) || '(nothing on stdout)' });
    }
  } else {
    const signal = crashSignal(client);
    const trace = crashTrace(client);
    if (signal) {
      out.push({ kind: 'crash', message: `the client crashed (${signal}) instead of failing with an error`, expected: 'a non-zero exit with a one-line error on stderr', actual: clientDescription(client) });
    } else if (trace) {
      out.push({ kind: 'crash', message: `the client crashed with ${trace} instead of failing with an error`, expected: 'a non-zero exit with a one-line error on stderr', actual: `${clientDescription(client)}: ${firstLine(client.stderr)}` });
    } else if (client.exitCode === 0) {
      out.push({ kind: 'outcome', message: 'the client exited 0 after a failed handshake: the failure did not surface', expected: 'a non-zero exit with an error on stderr', actual: `exit 0, stdout ${JSON.stringify(client.stdout.slice(0, 120))}` });
    } else if (client.stderr.trim() === '') {
      out.push({ kind: 'outcome', message: 'the client failed silently: no message on stderr', expected: 'a one-line error on stderr', actual: `${clientDescription(client)}, empty stderr` });
    } else {
      const said = `${client.stderr}\n${client.stdout}`.toLowerCase();
      const error = expect.error;
      if (error?.status !== undefined && !said.includes(String(error.status))) {
        out.push({ kind: 'outcome', message: `the error does not mention the HTTP status ${error.status} the server answered`, expected: `an error mentioning ${error.status}`, actual: firstLine(client.stderr) });
      }
      for (const fragment of error?.contains ?? []) {
        if (!said.includes(fragment.toLowerCase())) out.push({ kind: 'outcome', message: `the error does not say "${fragment}"`, expected: `an error containing "${fragment}"`, actual: firstLine(client.stderr) });
      }
      if (error?.signinUrl && !said.includes('/connect?name=')) {
        out.push({ kind: 'outcome', check: 'errors/signin-url', message: 'the error hides the signin_url the server sent', expected: 'the signin_url (…/connect?name=…&key=…) in the error', actual: firstLine(client.stderr) });
      }
    }
  }
  const main = observations.filter((o) => o.listener === 'main' && o.method !== '(tls)');
  const counts = {
    tokenRequests: main.filter((o) => o.role === 'token').length,
    resourceRequests: main.filter((o) => o.role === 'challenge' || o.role === 'resource').length,
    otherHost: observations.filter((o) => o.listener === 'other').length,
    total: observations.filter((o) => o.method !== '(tls)').length,
  };
  for (const [name, bound] of Object.entries(expect.requests ?? {}) as [keyof typeof counts, Bound][]) {
    if (!within(bound, counts[name])) {
      out.push({ kind: 'requests', ...(bound.check ? { check: bound.check } : {}), message: boundMessage(name, counts[name], bound, scenario), expected: `${describeBound(bound)} ${BOUND_NOUN[name]}`, actual: `${counts[name]} ${BOUND_NOUN[name]}` });
    }
  }
  return out;
}

const BOUND_NOUN = { tokenRequests: 'token request(s)', resourceRequests: 'resource request(s)', otherHost: 'request(s) to the other host', total: 'request(s)' } as const;

/** Say what happened in words; "total out of bounds: expected exactly 1, got 0" makes a reader decode it. */
function boundMessage(name: keyof typeof BOUND_NOUN, count: number, bound: Bound, scenario: Scenario): string {
  const signed = scenario.action === 'registry-manifest' || scenario.action.startsWith('cloud-');
  if (count === 0 && name === 'total') return `no ${signed ? 'signed ' : ''}request reached the server: the client never contacted it`;
  if (count === 0 && name === 'tokenRequests') return 'no signed token request reached the server: the client never asked the realm for a token';
  if (count === 0 && name === 'resourceRequests') return 'the client never requested the resource';
  if (name === 'otherHost') return `the client sent ${count} request(s) to another host`;
  const atMost = bound.exactly ?? bound.max;
  if (atMost !== undefined && count > atMost) return `the client sent ${count} ${BOUND_NOUN[name]}, more than a correct client sends (${describeBound(bound)})`;
  return `the client sent only ${count} ${BOUND_NOUN[name]}, fewer than a correct client sends (${describeBound(bound)})`;
}

function levelOf(catalog: ReadonlyMap<string, CheckEntry>, id: string): 'MUST' | 'SHOULD' {
  return catalog.get(id)?.level ?? 'MUST';
}

function failing(level: 'MUST' | 'SHOULD'): VerdictKind {
  return level === 'MUST' ? 'fail' : 'non-strict';
}

export function judge(input: JudgeInput): Verdict[] {
  const { scenario, client, catalog } = input;
  const listed = scenario.expect.checks;
  const all = (kind: VerdictKind, message: string, extra: Partial<Verdict> = {}): Verdict[] =>
    listed.map((check) => ({ check, verdict: kind, level: levelOf(catalog, check), message, ...extra }));

  if (input.harnessErrors.length > 0) return all('error', `the harness broke: ${input.harnessErrors[0]}`);
  if (client === undefined) return all('error', 'the client was not run');
  if (client.spawnError) return all('error', `the client could not be started: ${client.spawnError}`);
  if (client.timedOut) {
    return all('error', `the client did not finish within ${input.timeoutMs} ms; the harness killed it (SIGTERM, then SIGKILL after 2 s)`, { actual: 'timeout (killed by the harness)' });
  }
  if (client.exitCode === UNSUPPORTED_EXIT_CODE && /unsupported/i.test(client.stderr)) {
    return all('skip', `the client does not support ${scenario.action}: ${firstLine(client.stderr)}`);
  }

  const provoked = provokedChecks(scenario);
  const findingsById = new Map<CheckId, Finding[]>();
  for (const o of input.observations) {
    for (const f of o.findings) {
      if (provoked.has(f.id)) continue;
      findingsById.set(f.id, [...(findingsById.get(f.id) ?? []), f]);
    }
  }
  const found = violations(input, client);
  const surfacedListed = listed.includes('errors/surfaced');

  const rootCause = [...findingsById.values()].some((list) => list.some((f) => !f.ok));
  // Failing loudly is its own rule: in a scenario whose correct outcome is failure, a client that exits 0
  // or says nothing breaks errors/surfaced, listed or not, never the protocol rule the scenario is about.
  const failureScenario = scenario.expect.outcome === 'failure';
  // When every rule the scenario decides is a SHOULD, exiting 0 is that SHOULD not followed, not a MUST broken.
  const mustScenario = listed.some((c) => levelOf(catalog, c) === 'MUST');
  const decided: CheckId[] = failureScenario && mustScenario && !surfacedListed && found.some((v) => v.kind === 'outcome') ? [...listed, 'errors/surfaced'] : listed;
  const ids = [...new Set([...decided, ...findingsById.keys()])];
  return ids.map((check): Verdict => {
    const level = levelOf(catalog, check);
    const own = findingsById.get(check);
    const bad = own?.find((f) => !f.ok);
    if (bad) {
      return { check, level, verdict: failing(level), message: bad.message, ...(bad.expected !== undefined ? { expected: bad.expected } : {}), ...(bad.actual !== undefined ? { actual: bad.actual } : {}) };
    }
    if (decided.includes(check)) {
      const crash = found.find((v) => v.kind === 'crash');
      if (crash) return { check, level, verdict: failing(level), message: crash.message, expected: crash.expected, actual: crash.actual };
      const ownedViolation = found.find((v) => v.check === check);
      if (ownedViolation) return { check, level, verdict: failing(level), message: ownedViolation.message, expected: ownedViolation.expected, actual: ownedViolation.actual };
      const outcome = found.find((v) => v.kind === 'outcome' && (v.check === undefined || !listed.includes(v.check)));
      if (outcome && (check === 'errors/surfaced' || (!failureScenario && !surfacedListed))) {
        if (check !== 'errors/surfaced' && rootCause && scenario.expect.outcome === 'success') {
          const root = [...findingsById.values()].flat().find((f) => !f.ok);
          return { check, level, verdict: 'skip', message: `not judged: the flow stopped at an earlier failure (${root?.id ?? 'see the failing checks'})` };
        }
        return { check, level, verdict: failing(level), message: outcome.message, expected: outcome.expected, actual: outcome.actual };
      }
      const counts = found.find((v) => v.kind === 'requests' && v.check === undefined);
      if (counts && check !== 'errors/surfaced') {
        // Request counts are weaker evidence than a finding: a check whose requests were checked and held
        // passes, and when another check already names the root cause, a step never reached is a skip.
        if (own) return { check, level, verdict: 'pass', message: 'every request the server checked followed this rule' };
        if (rootCause) return { check, level, verdict: 'skip', message: `not reached: an earlier step failed (${counts.message}: expected ${counts.expected}, got ${counts.actual})` };
        return { check, level, verdict: failing(level), message: counts.message, expected: counts.expected, actual: counts.actual };
      }
    }
    return { check, level, verdict: 'pass', message: own ? 'every request the server checked followed this rule' : 'the client behaved as a correct client must' };
  });
}
