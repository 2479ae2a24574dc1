/**
 * The mutation matrix: every known-bad client (examples/mutants/catalog.json) run through the suite.
 * A mutant that passes proves a hole in the harness; one caught only by unrelated checks proves the
 * verdicts cannot be trusted to say why. Both fail the matrix.
 */
import { readJsonFile } from '../specs/load.js';
import { publicTarget } from './intercept-lane.js';
import { runCheck } from './runner.js';
import { scenarioModes } from './scenarios.js';
import type { CheckMode, ExecAction, Scenario, ScenarioResult } from './types.js';

export interface MutantEntry {
  name: string;
  bug: string;
  command: string;
  mustBeCaughtBy: { scenario: string; checks: string[] }[];
  /** Where the mutant runs (absent: loopback): an `intercept` mutant's bug shows only under the public names. */
  modes?: CheckMode[];
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

/** The mode a mutant runs in: loopback unless its entry names only intercept. */
function mutantMode(entry: MutantEntry): CheckMode {
  return entry.modes === undefined || entry.modes.includes('loopback') ? 'loopback' : 'intercept';
}

/**
 * One mutant's results. Loopback: the exec contract appends action and target. Intercept: one run per
 * action, the command given `<action> <public URL>` itself (basic-tags has no public URL: its per-run
 * credentials cannot be in a command written beforehand, so it is not run).
 */
async function runMutant(entry: MutantEntry, scenarios: Scenario[], opts: MatrixOptions): Promise<ScenarioResult[]> {
  const mode = mutantMode(entry);
  const named = new Set(entry.mustBeCaughtBy.map((e) => e.scenario));
  const runnable = scenarios.filter((s) => scenarioModes(s).includes(mode));
  const chosen = opts.onlyNamedScenarios ? runnable.filter((s) => named.has(s.id)) : runnable;
  const common = { jobs: opts.jobs ?? 2, timeoutMs: opts.timeoutMs ?? 20_000 };
  if (mode === 'loopback') return (await runCheck({ client: entry.command, scenarios: chosen, ...common })).results;
  const results: ScenarioResult[] = [];
  const actions = [...new Set(chosen.map((s) => s.action))].filter((a): a is Exclude<ExecAction, 'basic-tags'> => a !== 'basic-tags');
  for (const action of actions) {
    const client = `${entry.command} ${action} ${publicTarget(action)}`;
    results.push(...(await runCheck({ client, scenarios: chosen.filter((s) => s.action === action), intercept: true, ...common })).results);
  }
  return results;
}

export async function runMutationMatrix(catalog: MutantCatalog, scenarios: Scenario[], opts: MatrixOptions = {}): Promise<MutantRow[]> {
  const rows: MutantRow[] = [];
  for (const entry of catalog.mutants) {
    const row = judgeMutant(entry, await runMutant(entry, scenarios, opts));
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
