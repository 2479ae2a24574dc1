/**
 * `oac check`: run scenarios against a client under test and print a verdict per check. Thin: the
 * work is in src/conformance (server, subject, judge, runner) and src/report (renderers).
 */
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadBaseline, type Baseline } from '../conformance/baseline.js';
import { assertSingleValued, MAX_TIMER_SECONDS, usage, wholeNumberSetting, writableReportDir } from './args.js';
import { loadScenarios, scenariosDir, selectScenarios } from '../conformance/scenarios.js';
import { runCheck } from '../conformance/runner.js';
import { loadMutantCatalog, renderMatrix, runMutationMatrix } from '../conformance/matrix.js';
import { shellQuote } from '../conformance/subject.js';
import { renderCheckOutput, toRunReport, writeReports } from './check-output.js';

export interface CheckArgs {
  client: string;
  flow?: string;
  scenario?: string;
  jobs?: number;
  timeout?: number;
  baseline?: string;
  'report-dir'?: string;
  strict: boolean;
  list: boolean;
  scenarios?: string;
  mutants?: string;
}

export const DEFAULT_CLIENT = 'oac client';

const SINGLE_VALUED = ['client', 'flow', 'scenario', 'jobs', 'timeout', 'baseline', 'report-dir', 'scenarios', 'mutants'] as const;

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
      .option('report-dir', { type: 'string', default: process.env['OAC_REPORT_DIR'], describe: 'write results.json and junit.xml here. Env: OAC_REPORT_DIR' })
      .option('strict', { type: 'boolean', default: false, describe: 'SHOULD-level deviations (non-strict) also fail the run' })
      .option('list', { type: 'boolean', default: false, describe: 'list the selected scenarios and exit' })
      .option('scenarios', { type: 'string', describe: 'directory of scenario files (default: the bundled specs/scenarios)' })
      .option('mutants', { type: 'string', describe: 'instead of one client, run every known-bad client of this catalog (examples/mutants/catalog.json) and print the mutation matrix' })
      .example('$0 check', 'check the bundled reference client on every scenario')
      .example("$0 check --client '/usr/bin/python3 my_client.py' --report-dir out", 'check your own client; results.json + junit.xml in out/')
      .example("$0 check --scenario 'F-02' --client './my-client'", 'rerun one scenario'),
  handler: async (args) => {
    assertSingleValued(args as unknown as Record<string, unknown>, SINGLE_VALUED);
    const jobs = wholeNumberSetting({ flag: 'jobs', value: args.jobs, env: 'OAC_JOBS', fallback: 2, min: 1, max: 64 });
    const timeout = wholeNumberSetting({ flag: 'timeout', value: args.timeout, env: 'OAC_TIMEOUT', fallback: 20, min: 1, max: MAX_TIMER_SECONDS, unit: 'seconds' });
    const reportDir = args['report-dir'] ? writableReportDir(args['report-dir']) : undefined;
    const baseline = args.baseline ? baselineArg(args.baseline) : undefined;
    const all = loadScenarios(args.scenarios ? resolve(args.scenarios) : scenariosDir());
    const scenarios = selectScenarios(all, { ...(args.scenario ? { scenario: args.scenario } : {}), ...(args.flow ? { flow: args.flow } : {}) });
    if (args.list) {
      for (const s of scenarios) process.stdout.write(`${s.id}\t${s.flow}\t${s.action}\t${s.expect.outcome}\t${s.title}\n`);
      return;
    }
    if (args.mutants) {
      const rows = await runMutationMatrix(loadMutantCatalog(resolve(args.mutants)), scenarios, {
        jobs,
        timeoutMs: timeout * 1000,
        onRow: (row) => process.stderr.write(`${row.ok ? 'caught ' : 'MISSED '} ${row.name}: ${row.caughtByMust.length} MUST check(s)\n`),
      });
      process.stdout.write(`${renderMatrix(rows)}\n`);
      process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
      return;
    }
    const output = renderCheckOutput(process.stderr, scenarios.length);
    const outcome = await runCheck({
      client: args.client,
      scenarios,
      jobs,
      timeoutMs: timeout * 1000,
      ...(baseline ? { baseline } : {}),
      strict: args.strict,
      onResult: (r) => output.progress(r),
      reproducePrefix: `oac check --client ${shellQuote(args.client)}`,
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
      precedence: 'command-line flag > OAC_* environment variable > default',
    };
    const report = toRunReport(outcome, { client: args.client, config, strict: args.strict });
    output.finish(report, process.stdout);
    if (reportDir) process.stderr.write(`reports: ${writeReports(reportDir, report).join(', ')}\n`);
    process.exitCode = outcome.exitCode;
  },
};
