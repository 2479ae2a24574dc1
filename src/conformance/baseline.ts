/**
 * Expected failures (OIDF-style): known gaps stay visible in the report but do not fail the run, and a
 * gap that closes shows up as an "unexpected pass" so the baseline can be trimmed.
 */
import { OacError } from '../errors.js';
import { readJsonFile } from '../specs/load.js';
import { assertValid } from '../specs/validate.js';
import type { ScenarioResult } from './types.js';

interface BaselineEntry {
  scenario: string;
  check: string;
  reason: string;
}

export interface Baseline {
  file: string;
  entries: BaselineEntry[];
}

export function loadBaseline(file: string): Baseline {
  const doc = readJsonFile(file);
  assertValid('baseline', doc, file);
  return { file, entries: (doc as { expectedFailures: BaselineEntry[] }).expectedFailures };
}

export interface UnexpectedPass {
  scenario: string;
  check: string;
  reason: string;
}

/** Marks baseline failures in place; returns the baseline entries that did not fail this time. */
export function applyBaseline(results: ScenarioResult[], baseline: Baseline | undefined): UnexpectedPass[] {
  if (!baseline) return [];
  const unexpected: UnexpectedPass[] = [];
  for (const entry of baseline.entries) {
    const result = results.find((r) => r.id === entry.scenario);
    if (!result) continue; // not selected in this run
    const verdict = result.verdicts.find((v) => v.check === entry.check);
    if (verdict && (verdict.verdict === 'fail' || verdict.verdict === 'non-strict')) verdict.expectedFailure = true;
    else if (verdict?.verdict === 'pass') unexpected.push(entry);
    else if (!verdict) throw new OacError('baseline/unknown-check', `${baseline.file}: scenario ${entry.scenario} has no verdict for ${entry.check}: fix the baseline entry`);
  }
  return unexpected;
}

/** A verdict counts against the exit code when it is a fail or error not in the baseline (non-strict only with strict). */
export function countsAsFailure(verdict: { verdict: string; expectedFailure?: boolean }, strict: boolean): boolean {
  if (verdict.expectedFailure) return false;
  return verdict.verdict === 'fail' || verdict.verdict === 'error' || (strict && verdict.verdict === 'non-strict');
}
