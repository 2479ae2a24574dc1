/**
 * Findings → verdicts: the one place where rule findings become a verdict per check. Pure.
 *
 *   error       a finding said the check could not be decided (the probe's own input is wrong, or the
 *               network broke): never counted as the subject's fault, but it fails the run
 *   fail        a MUST finding failed
 *   non-strict  a SHOULD finding failed
 *   pass        findings exist and all are ok
 *   skip        no finding at all: the check was not evaluated (with the rule's reason when it gave one)
 *
 * Rules hand in two lists of the same `Finding` type: `findings` (the check was decided: ok or not) and
 * `inconclusive` (the check could not be decided from this observation). Keeping them apart is what lets
 * a verdict say `error` without a second finding type.
 */
import type { Finding } from './findings.js';
import type { Verdict, VerdictKind } from './types.js';
import type { CheckEntry } from '../specs/catalog.js';
import type { CheckId } from '../check-ids.js';
import { HarnessError } from '../errors.js';

/** What one rule module (or several, concatenated) returns. */
export interface RuleResult {
  /** Decided observations: ok or not. */
  findings: Finding[];
  /** Observations that could not decide their check (message says why): the verdict is `error`. */
  inconclusive: Finding[];
}

export function emptyResult(): RuleResult {
  return { findings: [], inconclusive: [] };
}

export function mergeResults(...results: readonly RuleResult[]): RuleResult {
  return {
    findings: results.flatMap((r) => r.findings),
    inconclusive: results.flatMap((r) => r.inconclusive),
  };
}

export interface VerdictRequest {
  /** The checks to give a verdict for, in report order (a check without findings gets `skip`). */
  checks: readonly CheckId[];
  result: RuleResult;
  catalogue: ReadonlyMap<string, CheckEntry>;
  /** Why a check was not evaluated, when a rule said so (shown with `skip`). */
  notApplicable?: ReadonlyMap<CheckId, string>;
}

/** How many failing observations a verdict message lists before it says "and N more". */
const LISTED = 8;

function summarise(kind: 'failed' | 'could not be decided', failing: readonly Finding[]): string {
  if (failing.length === 1) return failing[0]!.message;
  const listed = failing.slice(0, LISTED).map((f) => f.message);
  const more = failing.length > LISTED ? `; and ${failing.length - LISTED} more` : '';
  return `${failing.length} observations ${kind}: ${listed.join('; ')}${more}`;
}

function decideOne(id: CheckId, entry: CheckEntry, result: RuleResult, skipReason: string | undefined): Verdict {
  const decided = result.findings.filter((f) => f.id === id);
  const undecided = result.inconclusive.filter((f) => f.id === id);
  const base = { check: id, level: entry.level };
  if (undecided.length > 0) {
    return withDetail({ ...base, verdict: 'error', message: summarise('could not be decided', undecided) }, undecided[0]!);
  }
  const failing = decided.filter((f) => !f.ok);
  if (failing.length > 0) {
    const verdict: VerdictKind = entry.level === 'MUST' ? 'fail' : 'non-strict';
    return withDetail({ ...base, verdict, message: summarise('failed', failing) }, failing[0]!);
  }
  if (decided.length > 0) {
    const message = decided.length === 1 ? decided[0]!.message : `${decided.length} observations, all as required: ${entry.requirement}`;
    return { ...base, verdict: 'pass', message };
  }
  return { ...base, verdict: 'skip', message: skipReason ?? 'not evaluated: no observation of this run applies to it' };
}

function withDetail(verdict: Verdict, first: Finding): Verdict {
  if (first.expected !== undefined) verdict.expected = first.expected;
  if (first.actual !== undefined) verdict.actual = first.actual;
  return verdict;
}

/**
 * One verdict per requested check. A finding whose id is not among `checks`, or a check the catalogue
 * does not define, is a programming error (a rule and the catalogue disagree) and throws.
 */
export function decideVerdicts(request: VerdictRequest): Verdict[] {
  const wanted = new Set(request.checks);
  for (const f of [...request.result.findings, ...request.result.inconclusive]) {
    if (!wanted.has(f.id)) throw new HarnessError('rules/unrequested-check', `a rule produced a finding for ${f.id}, which this verdict request does not include (${[...wanted].join(', ')})`);
  }
  return request.checks.map((id) => {
    const entry = request.catalogue.get(id);
    if (entry === undefined) throw new HarnessError('rules/unknown-check', `check ${id} is not in specs/checks.json: add it there before a rule decides it`);
    return decideOne(id, entry, request.result, request.notApplicable?.get(id));
  });
}

const SEVERITY: Record<VerdictKind, number> = { skip: 0, pass: 1, 'non-strict': 2, fail: 3, error: 4 };

/** The worst verdict of a list (error > fail > non-strict > pass > skip); `skip` for an empty list. */
export function worstOf(verdicts: readonly { verdict: VerdictKind }[]): VerdictKind {
  return verdicts.reduce<VerdictKind>((worst, v) => (SEVERITY[v.verdict] > SEVERITY[worst] ? v.verdict : worst), 'skip');
}
