/**
 * The judge: one verdict per check, from two channels. The server channel is what the conformance
 * server observed (protocol findings per request, request counts, leaks to the other host); the
 * client channel is what the process did (exit code, stderr, stdout). A failure never rests on one
 * channel alone when the other disagrees silently: a client that refuses the bad realm but exits 0
 * did not fail loudly, and one that exits 1 after leaking its signature still leaked.
 *
 * The judge only aggregates: findings come from the client rules (src/rules/client, applied by the
 * emulator and the conformance server), what the process did becomes violations in
 * src/rules/client/outcome.ts, and the findings a scenario provokes on purpose are named by
 * src/rules/client/provoked.ts. Here: root cause, skip when not reached, levels.
 */
import type { Finding } from '../rules/findings.js';
import { ERROR_CHECKS, outcomeViolations } from '../rules/client/outcome.js';
import { provokedChecks } from '../rules/client/provoked.js';
import type { CheckEntry } from '../specs/catalog.js';
import type { CheckId } from '../check-ids.js';
import { errorLine } from './client-output.js';
import type { ClientRun, Observation, Scenario, Verdict, VerdictKind } from './types.js';

export interface JudgeInput {
  scenario: Scenario;
  observations: Observation[];
  client: ClientRun | undefined;
  harnessErrors: string[];
  /**
   * Intercept mode: the run cannot be judged because of how the client met the proxy (it never used it,
   * or refused the per-run CA); the whole message is the user's guidance. Makes every verdict `error`.
   */
  interceptError?: string;
  catalog: ReadonlyMap<string, CheckEntry>;
  timeoutMs: number;
}

/** Exit code 3 + "unsupported" on stderr: the client does not implement the action (exec contract v1). */
const UNSUPPORTED_EXIT_CODE = 3;

/** The worst verdict of a list: one severity order for clients and servers (src/rules/verdicts.ts). */
export { worstOf as worstVerdict } from '../rules/verdicts.js';
const firstLine = errorLine;

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
  if (input.interceptError !== undefined) return all('error', input.interceptError);
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
  const found = outcomeViolations(scenario, { ...client, errorLine: firstLine(client.stderr) }, input.observations);
  const surfacedListed = listed.includes(ERROR_CHECKS.surfaced);

  const rootCause = [...findingsById.values()].some((list) => list.some((f) => !f.ok));
  // Failing loudly is its own rule: in a scenario whose correct outcome is failure, a client that exits 0
  // or says nothing breaks errors/surfaced, listed or not, never the protocol rule the scenario is about.
  const failureScenario = scenario.expect.outcome === 'failure';
  // When every rule the scenario decides is a SHOULD, exiting 0 is that SHOULD not followed, not a MUST broken.
  const mustScenario = listed.some((c) => levelOf(catalog, c) === 'MUST');
  const decided: CheckId[] = failureScenario && mustScenario && !surfacedListed && found.some((v) => v.kind === 'outcome') ? [...listed, ERROR_CHECKS.surfaced] : listed;
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
      if (outcome && (check === ERROR_CHECKS.surfaced || (!failureScenario && !surfacedListed))) {
        if (check !== ERROR_CHECKS.surfaced && rootCause && scenario.expect.outcome === 'success') {
          const root = [...findingsById.values()].flat().find((f) => !f.ok);
          return { check, level, verdict: 'skip', message: `not judged: the flow stopped at an earlier failure (${root?.id ?? 'see the failing checks'})` };
        }
        return { check, level, verdict: failing(level), message: outcome.message, expected: outcome.expected, actual: outcome.actual };
      }
      const counts = found.find((v) => v.kind === 'requests' && v.check === undefined);
      if (counts && check !== ERROR_CHECKS.surfaced) {
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
