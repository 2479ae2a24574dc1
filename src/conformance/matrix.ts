/**
 * The mutation matrix: every known-bad client (examples/mutants/catalog.json) run through the suite.
 * A mutant that passes proves a hole in the harness; one caught only by unrelated checks proves the
 * verdicts cannot be trusted to say why. Both fail the matrix.
 */
import { readJsonFile } from '../specs/load.js';
import { runCheck } from './runner.js';
import type { Scenario, ScenarioResult } from './types.js';

export interface MutantEntry {
  name: string;
  bug: string;
  command: string;
  mustBeCaughtBy: { scenario: string; checks: string[] }[];
}

export interface MutantCatalog {
  baseClient?: string;
  mutants: MutantEntry[];
}

export function loadMutantCatalog(file: string): MutantCatalog {
  return readJsonFile(file) as MutantCatalog;
}

export interface MutantRow {
  name: string;
  bug: string;
  /** MUST checks that failed anywhere in the suite. */
  caughtByMust: string[];
  /** SHOULD checks reported non-strict anywhere in the suite. */
  caughtByShould: string[];
  /** Expected (scenario, check) pairs whose verdict was not fail/non-strict. */
  missed: { scenario: string; check: string; verdict: string }[];
  /** Harness errors while running the mutant (never counted as caught). */
  errors: string[];
  ok: boolean;
}

const caught = (verdict: string): boolean => verdict === 'fail' || verdict === 'non-strict';

export function judgeMutant(entry: MutantEntry, results: ScenarioResult[]): MutantRow {
  const must = new Set<string>();
  const should = new Set<string>();
  const errors: string[] = [];
  for (const r of results) {
    if (r.harnessError) errors.push(`${r.id}: ${r.harnessError}`);
    for (const v of r.verdicts) {
      if (v.verdict === 'fail') must.add(v.check);
      if (v.verdict === 'non-strict') should.add(v.check);
    }
  }
  const missed: MutantRow['missed'] = [];
  for (const expected of entry.mustBeCaughtBy) {
    const result = results.find((r) => r.id === expected.scenario);
    for (const check of expected.checks) {
      const verdict = result?.verdicts.find((v) => v.check === check)?.verdict ?? (result ? 'absent' : 'scenario not run');
      if (!caught(verdict)) missed.push({ scenario: expected.scenario, check, verdict });
    }
  }
  return {
    name: entry.name,
    bug: entry.bug,
    caughtByMust: [...must].sort(),
    caughtByShould: [...should].sort(),
    missed,
    errors,
    // Caught by a SHOULD check alone is caught too: a mutant that only breaks a SHOULD rule (a hardening
    // one) shows as non-strict, which is exactly what it should be judged.
    ok: (must.size > 0 || should.size > 0) && missed.length === 0 && errors.length === 0,
  };
}

export interface MatrixOptions {
  jobs?: number;
  timeoutMs?: number;
  onRow?: (row: MutantRow) => void;
  /** Only the scenarios a mutant's catalog entry names (fast; the CLI runs the whole suite). */
  onlyNamedScenarios?: boolean;
}

export async function runMutationMatrix(catalog: MutantCatalog, scenarios: Scenario[], opts: MatrixOptions = {}): Promise<MutantRow[]> {
  const rows: MutantRow[] = [];
  for (const entry of catalog.mutants) {
    const named = new Set(entry.mustBeCaughtBy.map((e) => e.scenario));
    const chosen = opts.onlyNamedScenarios ? scenarios.filter((s) => named.has(s.id)) : scenarios;
    const outcome = await runCheck({ client: entry.command, scenarios: chosen, jobs: opts.jobs ?? 2, timeoutMs: opts.timeoutMs ?? 20_000 });
    const row = judgeMutant(entry, outcome.results);
    rows.push(row);
    opts.onRow?.(row);
  }
  return rows;
}

/** The matrix as Markdown: one row per mutant, the MUST checks that caught it, and whether the catalog's expectations held. */
export function renderMatrix(rows: MutantRow[]): string {
  const lines = [
    '| mutant (bug reproduced) | caught by MUST checks | SHOULD (non-strict) | expected checks |',
    '|---|---|---|---|',
  ];
  for (const r of rows) {
    const expectation = r.errors.length ? `💥 ${r.errors.length} harness error(s)` : r.missed.length === 0 ? '✅ all caught' : `❌ missed: ${r.missed.map((m) => `${m.scenario} ${m.check} (${m.verdict})`).join('; ')}`;
    lines.push(`| \`${r.name}\` | ${r.caughtByMust.map((c) => `\`${c}\``).join(' ') || (r.caughtByShould.length > 0 ? '—' : '❌ none')} | ${r.caughtByShould.map((c) => `\`${c}\``).join(' ') || '—'} | ${expectation} |`);
  }
  return lines.join('\n');
}
