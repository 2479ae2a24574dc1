/**
 * `oac check`: run scenarios against a client under test and print a verdict per check. Thin: the
 * work is in src/conformance (server, subject, judge, runner) and src/report (renderers).
 */
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadBaseline, type Baseline } from '../conformance/baseline.js';
import { cassetteProvenance } from '../report/cassettes.js';
import { assertSingleValued, MAX_TIMER_SECONDS, usage, wholeNumberSetting, writableReportDir } from './args.js';
import { loadScenarios, scenarioModes, scenariosDir, selectScenarios } from '../conformance/scenarios.js';
import type { ExecAction } from '../conformance/types.js';
import { runCheck } from '../conformance/runner.js';
import { loadMutantCatalog, renderMatrix, runMutationMatrix } from '../conformance/matrix.js';
import { shellQuote } from '../conformance/subject.js';
import { renderCheckOutput, toRunReport, writeReports } from './check-output.js';
import { collectGitState, reproduceCommand, writeEvidence } from '../evidence/index.js';

export interface CheckArgs {
  client: string;
  flow?: string;
  scenario?: string;
  jobs?: number;
  timeout?: number;
  baseline?: string;
  'report-dir'?: string;
  evidence?: string;
  strict: boolean;
  verbose: boolean;
  list: boolean;
  scenarios?: string;
  mutants?: string;
  intercept: boolean;
  action?: string;
}

/** The actions of exec contract v1, which `--intercept --action` selects the scenarios by. */
export const EXEC_ACTIONS: readonly ExecAction[] = ['registry-manifest', 'cloud-tags', 'cloud-whoami', 'apikey-tags', 'basic-tags'];

/** --intercept and --action: both or neither, a known action, and not with the mutation matrix (a usage error otherwise). */
export function interceptSelection(args: Pick<CheckArgs, 'intercept' | 'action' | 'mutants'>): ExecAction | undefined {
  const known = EXEC_ACTIONS.join(', ');
  if (!args.intercept) {
    if (args.action !== undefined) throw usage(`--action ${args.action} is only used with --intercept (in loopback mode each scenario's action is appended to --client)`);
    return undefined;
  }
  if (args.mutants !== undefined) throw usage('--intercept cannot be combined with --mutants: the mutation matrix runs the mutants through the exec contract (loopback mode)');
  if (args.action === undefined) throw usage(`--intercept needs --action <action>: the scenarios of that action run your command as given (one of ${known})`);
  if (!(EXEC_ACTIONS as readonly string[]).includes(args.action)) throw usage(`--action ${JSON.stringify(args.action)} is not an action (expected one of ${known})`);
  return args.action as ExecAction;
}

export const DEFAULT_CLIENT = 'oac client';

const SINGLE_VALUED = ['client', 'flow', 'scenario', 'jobs', 'timeout', 'baseline', 'report-dir', 'evidence', 'scenarios', 'mutants', 'action'] as const;

/** A baseline that does not load is the user's input at fault: a usage error, before the run. */
function baselineArg(file: string): Baseline {
  try {
    return loadBaseline(resolve(file));
  } catch (err) {
    throw usage(`--baseline ${file}: ${(err as Error).message}`);
  }
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Run the conformance scenarios against a client (any language) and judge it check by check',
  builder: (y) =>
    y
      .option('client', { type: 'string', default: process.env['OAC_CLIENT'] ?? DEFAULT_CLIENT, describe: 'client command; "<action> <target>" are appended (exec contract v1). Env: OAC_CLIENT' })
      .option('flow', { type: 'string', choices: ['registry', 'direct', 'apikey', 'basic', 'tls', 'keys'], describe: 'only scenarios of this flow' })
      .option('scenario', { type: 'string', describe: 'scenario ids, * wildcards, comma-separated (e.g. "F-0*,registry/*")' })
      .option('jobs', { type: 'number', describe: 'scenarios run in parallel (default 2). Env: OAC_JOBS' })
      .option('timeout', { type: 'number', describe: `seconds a client may take per scenario before it is killed (default 20, at most ${MAX_TIMER_SECONDS}). Env: OAC_TIMEOUT` })
      .option('baseline', { type: 'string', default: process.env['OAC_BASELINE'], describe: 'expected-failures JSON: known failures stay visible but do not fail the run. Env: OAC_BASELINE' })
      .option('report-dir', { type: 'string', default: process.env['OAC_REPORT_DIR'], describe: 'write results.json, junit.xml and report.html here. Env: OAC_REPORT_DIR' })
      .option('evidence', { type: 'string', default: process.env['OAC_EVIDENCE_DIR'], describe: 'write the pull-request evidence here: evidence.md, results.json, junit.xml, report.html and SHA256SUMS (evidence.md also appended to $GITHUB_STEP_SUMMARY when set). Env: OAC_EVIDENCE_DIR' })
      .option('strict', { type: 'boolean', default: false, describe: 'SHOULD-level deviations (non-strict) also fail the run' })
      .option('verbose', { type: 'boolean', default: false, describe: 'also list the passing scenarios and the names of passing checks' })
      .option('list', { type: 'boolean', default: false, describe: 'list the selected scenarios and exit' })
      .option('scenarios', { type: 'string', describe: 'directory of scenario files (default: the bundled specs/scenarios)' })
      .option('intercept', { type: 'boolean', default: false, describe: 'judge the client as it ships: --client is a whole command run as given, through a proxy that serves https://registry.ollama.ai and https://ollama.com (needs --action)' })
      .option('action', { type: 'string', describe: 'with --intercept: the action the command performs; only its scenarios run (registry-manifest, cloud-tags, cloud-whoami, apikey-tags, basic-tags)' })
      .option('mutants', { type: 'string', describe: 'instead of one client, run every known-bad client of this catalog (examples/mutants/catalog.json) and print the mutation matrix' })
      .example('$0 check', 'check the bundled reference client on every scenario')
      .example("$0 check --client '/usr/bin/python3 my_client.py' --report-dir out", 'check your own client; results.json + junit.xml in out/')
      .example("$0 check --scenario 'F-02' --client './my-client'", 'rerun one scenario')
      .example("$0 check --intercept --action cloud-tags --client 'python -m myrouter list-models'", 'judge your client as it ships (real host names, its own proxy and CA handling)'),
  handler: async (args) => {
    assertSingleValued(args as unknown as Record<string, unknown>, SINGLE_VALUED);
    const jobs = wholeNumberSetting({ flag: 'jobs', value: args.jobs, env: 'OAC_JOBS', fallback: 2, min: 1, max: 64 });
    const timeout = wholeNumberSetting({ flag: 'timeout', value: args.timeout, env: 'OAC_TIMEOUT', fallback: 20, min: 1, max: MAX_TIMER_SECONDS, unit: 'seconds' });
    const reportDir = args['report-dir'] ? writableReportDir(args['report-dir']) : undefined;
    const evidenceDir = args.evidence ? writableReportDir(args.evidence, 'evidence') : undefined;
    const baseline = args.baseline ? baselineArg(args.baseline) : undefined;
    const interceptAction = interceptSelection(args);
    const all = loadScenarios(args.scenarios ? resolve(args.scenarios) : scenariosDir());
    const scenarios = selectScenarios(all, {
      ...(args.scenario ? { scenario: args.scenario } : {}),
      ...(args.flow ? { flow: args.flow } : {}),
      ...(interceptAction ? { mode: 'intercept' as const, action: interceptAction } : {}),
    });
    if (args.list) {
      for (const s of scenarios) process.stdout.write(`${s.id}\t${s.flow}\t${s.action}\t${s.expect.outcome}\t${scenarioModes(s).join(',')}\t${s.title}\n`);
      return;
    }
    // Read before the run: a cassette whose provenance cannot be read fails now, not after every scenario ran.
    const cassettes = cassetteProvenance(scenarios.flatMap((s) => (s.cassette === undefined ? [] : [s.cassette])));
    if (args.mutants) {
      // Each mutant runs in its own mode (the matrix picks): intercept mutants need the intercept-only scenarios too.
      const everyMode = selectScenarios(all, { ...(args.scenario ? { scenario: args.scenario } : {}), ...(args.flow ? { flow: args.flow } : {}), mode: 'any' });
      const rows = await runMutationMatrix(loadMutantCatalog(resolve(args.mutants)), everyMode, {
        jobs,
        timeoutMs: timeout * 1000,
        onRow: (row) => process.stderr.write(`${row.ok ? 'caught ' : 'MISSED '} ${row.name}: ${row.caughtByMust.length} MUST check(s)\n`),
      });
      process.stdout.write(`${renderMatrix(rows)}\n`);
      process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
      return;
    }
    // The client's commit and dirty state as the run starts (files the run writes are not the client's changes).
    const gitState = evidenceDir ? collectGitState(process.cwd()) : undefined;
    const output = renderCheckOutput(process.stderr, scenarios.length, { verbose: args.verbose });
    const outcome = await runCheck({
      client: args.client,
      scenarios,
      jobs,
      timeoutMs: timeout * 1000,
      ...(baseline ? { baseline } : {}),
      strict: args.strict,
      onResult: (r) => output.progress(r),
      reproducePrefix: `oac check${interceptAction ? ` --intercept --action ${interceptAction}` : ''} --client ${shellQuote(args.client)}`,
      ...(interceptAction ? { intercept: true } : {}),
    });
    const config = {
      client: args.client,
      scenarios: scenarios.map((s) => s.id),
      jobs,
      timeoutSeconds: timeout,
      strict: args.strict,
      ...(args.baseline ? { baseline: args.baseline } : {}),
      ...(args.flow ? { flow: args.flow } : {}),
      ...(args.scenario ? { scenarioFilter: args.scenario } : {}),
      ...(interceptAction ? { mode: 'intercept', action: interceptAction } : {}),
      precedence: 'command-line flag > OAC_* environment variable > default',
    };
    const report = toRunReport(outcome, {
      client: args.client,
      config,
      strict: args.strict,
      ...(args.scenarios ? { scenariosDir: resolve(args.scenarios) } : {}),
      cassettes,
    });
    output.finish(report, process.stdout);
    if (reportDir) process.stderr.write(`reports: ${writeReports(reportDir, report).join(', ')}\n`);
    if (evidenceDir && gitState) {
      const written = await writeEvidence(evidenceDir, report, {
        scenarios,
        git: await gitState,
        reproduce: reproduceCommand({
          client: args.client,
          ...(args.flow ? { flow: args.flow } : {}),
          ...(args.scenario ? { scenario: args.scenario } : {}),
          ...(args.scenarios ? { scenarios: args.scenarios } : {}),
          ...(args.baseline ? { baseline: args.baseline } : {}),
          strict: args.strict,
        }),
      });
      process.stderr.write(`evidence: ${written.files.join(', ')}${written.stepSummary ? ` (evidence.md appended to ${written.stepSummary})` : ''}\n`);
    }
    process.exitCode = outcome.exitCode;
  },
};
