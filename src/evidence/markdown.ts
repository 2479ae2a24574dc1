/**
 * evidence.md: the run as a pull-request comment in GitHub-flavoured Markdown. Tables, code spans and one
 * fenced block, and never raw HTML: every piece of data (a client's message, a scenario title, a command)
 * is written with the report's GitHub Markdown helpers (src/report/github-markdown.ts has the escaping
 * rules), the same ones `oac report --format md` uses.
 */
import { checkCatalog } from '../specs/catalog.js';
import { failsRun, HARNESS_ERROR_CHECK, mdCode, mdFence, mdTable, mdText, redactText, reportVerdicts, summarize, type RunReport, type Summary } from '../report/index.js';
import type { GitState } from './git-state.js';

export interface EvidenceContext {
  /** The commit and dirty state of the client's working directory (collectGitState). */
  git: GitState;
  /** `sha256:<hex>` (specDigest). */
  specDigest: string;
  /** The command that reproduces the whole run; the failing scenarios' own reproduce lines are added. */
  reproduce: string;
}

/**
 * A PR comment holds at most 65536 characters: a client that fails everything must still get a comment,
 * so the tables stop here and point to the full reports.
 */
const MAX_FAILING_ROWS = 40;
const MAX_REPRODUCE_LINES = 10;

/**
 * Catalogue prose, which marks code with backticks (`Authorization: Bearer <key>`): those spans stay code
 * spans, the rest is escaped as text. Still escaped: the catalogue is data too.
 */
function mdProse(text: string, inTable = false): string {
  return text.split(/`([^`]+)`/).map((part, i) => (i % 2 === 1 ? mdCode(part, inTable) : mdText(part))).join('');
}

function gitLine(git: GitState): string {
  switch (git.kind) {
    case 'repository':
      return `${mdCode(git.commit, true)}, ${git.dirty ? `**dirty**: ${git.changedPaths} uncommitted change${git.changedPaths === 1 ? '' : 's'} when the run started` : 'clean work tree'}`;
    case 'no-commit':
      return `a git repository with no commit yet${git.dirty ? ` (${git.changedPaths} uncommitted change${git.changedPaths === 1 ? '' : 's'})` : ''}`;
    case 'not-a-repository':
      return 'not a git repository';
    case 'git-unavailable':
      return `unknown: ${mdText(git.reason)}`;
  }
}

function countsTable(s: Summary): string {
  return mdTable(
    ['Pass', 'Fail', 'Non-strict', 'Skip', 'Error', 'Expected failures', 'Checks', 'Scenarios'],
    [[s.pass, s.fail, s['non-strict'], s.skip, s.error, s.expectedFailures, s.total, s.scenarios].map(String)],
  );
}

interface FailingRow {
  scenario: string;
  check: string;
  level: string;
  verdict: string;
  message: string;
  reproduce: string;
}

function failingRows(run: RunReport): FailingRow[] {
  const rows: FailingRow[] = [];
  for (const scenario of run.scenarios) {
    for (const v of reportVerdicts(scenario)) {
      if (!failsRun(v, run.strict)) continue;
      rows.push({ scenario: scenario.id, check: v.check, level: v.level, verdict: v.verdict, message: v.message, reproduce: scenario.reproduce });
    }
  }
  return rows;
}

function requirementOf(check: string): { requirement: string; source: string } {
  if (check === HARNESS_ERROR_CHECK) return { requirement: 'The harness completes the scenario (this row is the harness at fault, not the client).', source: 'oac' };
  const entry = checkCatalog().get(check);
  if (entry === undefined) return { requirement: '(not in the installed check catalogue)', source: '' };
  return { requirement: entry.requirement, source: entry.source.join('; ') };
}

/** The whole comment. `run.secrets` are scrubbed from every piece of text, as in the other reports. */
export function renderEvidenceMarkdown(run: RunReport, context: EvidenceContext): string {
  const scrub = (text: string): string => redactText(text, run.secrets ?? []);
  const summary = summarize(run);
  const failing = failingRows(run);
  const failingScenarios = new Set(failing.map((row) => row.scenario));
  const out: string[] = [];

  out.push(`## ${summary.ok ? '✅' : '❌'} Ollama auth conformance: ${summary.ok ? 'PASS' : 'FAIL'}`);
  out.push('');
  const mode = run.strict ? 'strict mode: SHOULD-level deviations fail the run' : 'SHOULD-level deviations are reported, not failing';
  out.push(summary.ok
    ? `**Verdict: pass.** No failing check in ${summary.scenarios} scenario${summary.scenarios === 1 ? '' : 's'} (${mode}).`
    : `**Verdict: fail.** ${failing.length} failing check${failing.length === 1 ? '' : 's'} in ${failingScenarios.size} of ${summary.scenarios} scenario${summary.scenarios === 1 ? '' : 's'} (${mode}).`);
  out.push('');
  out.push(countsTable(summary));

  if (failing.length > 0) {
    out.push('', '### Failing checks', '');
    out.push(mdTable(['Scenario', 'Check', 'Level', 'Verdict', 'Requirement', 'Source', 'What happened'], failing.slice(0, MAX_FAILING_ROWS).map((row) => {
      const { requirement, source } = requirementOf(row.check);
      return [mdCode(row.scenario, true), mdCode(row.check, true), row.level, row.verdict, mdProse(requirement, true), source === '' ? '' : mdProse(source, true), mdText(scrub(row.message))];
    })));
    if (failing.length > MAX_FAILING_ROWS) out.push('', `… and ${failing.length - MAX_FAILING_ROWS} more failing checks: \`results.json\` and \`report.html\` list them all.`);
  }

  out.push('', '### Client and harness', '');
  const command = run.client.command ?? run.client.url ?? '(library mode)';
  out.push(mdTable(['', ''], [
    ['Client command', mdCode(scrub(command), true)],
    ['Client commit', gitLine(context.git)],
    ['Harness', `${mdCode(`${run.tool.name} ${run.tool.version}`, true)}${run.tool.checksVersion ? `, checks ${mdCode(run.tool.checksVersion, true)}` : ''}${run.tool.protocolCommit ? `, ollama/ollama ${mdCode(run.tool.protocolCommit, true)}` : ''}`],
    ['Spec digest', mdCode(context.specDigest, true)],
    ['Started', mdText(run.startedAt)],
  ]));

  out.push('', '### Reproduce', '');
  const perScenario = [...new Set(failing.map((row) => row.reproduce).filter((r) => r !== ''))].map(scrub);
  const reproduce = [scrub(context.reproduce), ...perScenario.slice(0, MAX_REPRODUCE_LINES)];
  out.push(failing.length === 0 ? 'The whole run:'
    : perScenario.length > MAX_REPRODUCE_LINES ? `The whole run, then the first ${MAX_REPRODUCE_LINES} of the ${perScenario.length} failing scenarios on their own:`
    : 'The whole run, then each failing scenario on its own:');
  out.push('', mdFence(reproduce, 'sh'));
  out.push('', 'Files beside this one: `results.json`, `junit.xml`, `report.html`; `SHA256SUMS` covers all four: run `oac evidence verify` on this folder, or `sha256sum -c SHA256SUMS` in it.');
  return `${out.join('\n')}\n`;
}
