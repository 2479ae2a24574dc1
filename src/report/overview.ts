/**
 * Which scenarios a reader must look at, in the order every renderer shows them: the ones that fail the
 * run, the ones where the harness broke, the SHOULD deviations, the known failures of the baseline,
 * then the passing ones and the skipped ones (grouped by reason: 100 SKIP lines bury the one failure).
 */
import { failsRun, reportVerdicts, scenarioVerdict, summarize, type ReportScenario, type RunReport, type Summary } from './model.js';

export type ScenarioGroup = 'fail' | 'error' | 'non-strict' | 'baseline' | 'pass' | 'skip';

/** Display order: what fails the run first. */
export const GROUP_ORDER: readonly ScenarioGroup[] = ['fail', 'error', 'non-strict', 'baseline', 'pass', 'skip'];

export const GROUP_TITLE: Record<ScenarioGroup, string> = {
  fail: 'Failures',
  error: 'Harness errors',
  'non-strict': 'Non-strict (SHOULD deviations)',
  baseline: 'Known failures (in the baseline)',
  pass: 'Passing',
  skip: 'Skipped',
};

/** The group a scenario belongs to (a harness error outranks a failure: the failure may be its consequence). */
function scenarioGroup(scenario: ReportScenario, strict: boolean): ScenarioGroup {
  const verdicts = reportVerdicts(scenario);
  if (scenarioVerdict(scenario) === 'error' && verdicts.some((v) => v.verdict === 'error' && !v.expectedFailure)) return 'error';
  if (verdicts.some((v) => failsRun(v, strict))) return 'fail';
  if (verdicts.some((v) => v.verdict === 'non-strict' && !v.expectedFailure)) return 'non-strict';
  if (verdicts.some((v) => v.expectedFailure && v.verdict !== 'pass' && v.verdict !== 'skip')) return 'baseline';
  if (verdicts.every((v) => v.verdict === 'skip')) return 'skip';
  return 'pass';
}

interface SkipGroup {
  /** `cloud-whoami: unsupported by this client`, or the judge's reason. */
  reason: string;
  scenarios: string[];
}

const UNSUPPORTED = 'the client does not support ';

/** Why a skipped scenario was not judged, phrased so that scenarios skipped for one cause share it. */
function skipReason(scenario: ReportScenario): string {
  const verdicts = reportVerdicts(scenario);
  if (verdicts.length === 0) return 'no check applies';
  if (verdicts.every((v) => v.message.startsWith(UNSUPPORTED))) return `${scenario.action}: unsupported by this client`;
  return verdicts[0]!.message.replace(/\s*\n\s*/g, ' ');
}

export interface Overview {
  summary: Summary;
  groups: Record<ScenarioGroup, ReportScenario[]>;
  skipped: SkipGroup[];
}

export function overview(run: Pick<RunReport, 'scenarios' | 'strict'>): Overview {
  const groups: Record<ScenarioGroup, ReportScenario[]> = { fail: [], error: [], 'non-strict': [], baseline: [], pass: [], skip: [] };
  for (const s of run.scenarios) groups[scenarioGroup(s, run.strict)].push(s);
  const byReason = new Map<string, string[]>();
  for (const s of groups.skip) {
    const reason = skipReason(s);
    byReason.set(reason, [...(byReason.get(reason) ?? []), s.id]);
  }
  const skipped = [...byReason].map(([reason, scenarios]) => ({ reason, scenarios }));
  return { summary: summarize(run), groups, skipped };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Up to `max` ids, then how many more. */
function someIds(scenarios: readonly ReportScenario[], max = 3): string {
  const ids = scenarios.slice(0, max).map((s) => s.id);
  return scenarios.length > max ? `${ids.join(', ')} and ${scenarios.length - max} more` : ids.join(', ');
}

/**
 * The one-line verdict a reviewer reads first: OK or FAILED, which scenarios broke it, then the counts.
 * `ok` is the same rule as the exit code (summarize).
 */
export function verdictSentence(o: Overview): { ok: boolean; text: string } {
  const { summary, groups } = o;
  const problems: string[] = [];
  if (groups.fail.length > 0) problems.push(`${plural(groups.fail.length, 'failing scenario')} (${someIds(groups.fail)})`);
  if (groups.error.length > 0) problems.push(`${plural(groups.error.length, 'harness error')} (${someIds(groups.error)})`);
  const head = problems.length > 0 ? problems.join(', ') : 'no failing scenario';
  const counts = `${summary.pass} pass, ${summary.fail} fail, ${summary['non-strict']} non-strict, ${summary.skip} skip, ${summary.error} error`;
  return { ok: summary.ok, text: `${head} · ${plural(summary.scenarios, 'scenario')}, ${plural(summary.total, 'check')}: ${counts}` };
}
