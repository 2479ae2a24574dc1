/**
 * Drift rule of `oac probe --drift FILE`: compared with an earlier recorded probe of the same
 * deployment, no request that was refused then reaches Ollama now (a proxy reload that dropped a
 * location block, a new route Ollama added that the proxy does not cover).
 */
import { check } from '../findings.js';
import type { CheckId } from '../../check-ids.js';
import type { RuleResult } from '../verdicts.js';
import { describeExchange, describeOutcome, type DriftObservation } from './observations.js';

export const DRIFT_CHECKS = {
  newlyOpen: 'probe/drift/newly-open',
} as const;

export const DRIFT_CHECK_IDS: readonly CheckId[] = Object.values(DRIFT_CHECKS);

export function judgeDrift(d: DriftObservation): RuleResult {
  const id = DRIFT_CHECKS.newlyOpen;
  const findings = d.pairs
    .filter((p) => p.before === 'refused' && p.now.reach !== 'unknown')
    .map((p) => {
      const what = describeExchange(p.now);
      return p.now.reach === 'ollama'
        ? check(id, false, `${what} was refused in the recording of ${d.recordedAt} and reaches Ollama now: ${describeOutcome(p.now.outcome)}`, 'refused, as in the recording', p.now.reachReason)
        : check(id, true, `${what} is still refused`);
    });
  return { findings, inconclusive: [] };
}

export function driftNotApplicable(d: DriftObservation | undefined): Map<CheckId, string> {
  if (d === undefined) return new Map([[DRIFT_CHECKS.newlyOpen, 'no --drift FILE was given']]);
  if (!d.pairs.some((p) => p.before === 'refused')) return new Map([[DRIFT_CHECKS.newlyOpen, `the recording ${d.recording} has no refused request that this run repeated`]]);
  return new Map();
}
