/**
 * `oac probe <url>`: point it at a deployed Ollama behind nginx or Caddy and be told which hole is open.
 * Thin: every flag is checked before the first request (one line naming the flag, exit 2), then the
 * library (src/probe) runs and src/report renders, as for `oac check`.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { loadBaseline, type Baseline } from '../conformance/baseline.js';
import {
  assertClientCertPair, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS, probeSecrets, readProbeRecording, resolveTarget, routeCatalogue, runProbe, writeProbeCassette,
  type ProbeRecording, type ProbeRun, type ProbeTarget, type RouteCatalogue,
} from '../probe/index.js';
import { renderTerminal, shouldColor, type RunReport } from '../report/index.js';
import { probeReport } from '../report/probe.js';
import { REDACTED } from '../redaction/index.js';
import { assertSingleValued, usage, writableReportDir } from './args.js';
import { writeReports } from './check-output.js';

export interface ProbeArgs {
  url?: string | string[];
  basic?: string | string[];
  'api-key'?: string | string[];
  header?: string | string[];
  ca?: string | string[];
  cert?: string | string[];
  key?: string | string[];
  'expect-tls'?: string | string[];
  timeout?: number | number[];
  jobs?: number | number[];
  'report-dir'?: string | string[];
  baseline?: string | string[];
  record?: string | string[];
  drift?: string | string[];
  strict: boolean;
  insecure: boolean;
}

/** Flags that take one value; given twice, yargs makes an array, and we refuse rather than guess. */
const SINGLE_VALUED = ['url', 'basic', 'api-key', 'ca', 'cert', 'key', 'expect-tls', 'timeout', 'jobs', 'report-dir', 'baseline', 'record', 'drift'] as const;
/** Their values are secrets: a repeated-flag message names the flag, never the values. */
const SECRET_FLAGS = new Set(['basic', 'api-key']);

/** The value of a single-valued flag (assertSingleValued has refused a repeated one before). */
function single<T>(args: ProbeArgs, name: (typeof SINGLE_VALUED)[number]): T | undefined {
  return args[name] as T | undefined;
}

function readableFile(flag: string, file: string): string {
  const abs = resolve(file);
  try {
    accessSync(abs, constants.R_OK);
    if (!statSync(abs).isFile()) throw usage(`--${flag} ${file} is not a file`);
  } catch (err) {
    if (err instanceof OacError) throw err;
    throw usage(`--${flag} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return abs;
}

function writableFileTarget(flag: string, file: string): string {
  const abs = resolve(file);
  try {
    accessSync(dirname(abs), constants.W_OK);
  } catch (err) {
    throw usage(`--${flag} ${file} cannot be written: its folder ${dirname(abs)} is ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'not writable'}`);
  }
  return abs;
}

function seconds(flag: string, value: number | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  if (!Number.isFinite(value) || value <= 0 || value > 600) throw usage(`--${flag} must be a number of seconds above 0 and at most 600, got ${value}`);
  return Math.round(value * 1000);
}

function wholeNumber(flag: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw usage(`--${flag} must be a whole number from 1 to ${max}, got ${value}`);
  return value;
}

export interface Validated {
  target: ProbeTarget;
  reportDir?: string;
  baseline?: Baseline;
  baselineFile?: string;
  record?: string;
  drift?: ProbeRecording;
}

/** Every flag, checked in the order a person reads them; the first problem is the one reported. */
export function validateProbeArgs(args: ProbeArgs, env: NodeJS.ProcessEnv = process.env): Validated {
  const url = single<string>(args, 'url');
  if (url === undefined || url === '') throw usage('give the URL to probe, e.g. oac probe https://ollama.example.org');
  assertSingleValued(args as unknown as Record<string, unknown>, SINGLE_VALUED, SECRET_FLAGS);
  const headers = args.header === undefined ? [] : Array.isArray(args.header) ? args.header : [args.header];
  const basic = single<string>(args, 'basic') ?? env['OAC_PROBE_BASIC'];
  const apiKey = single<string>(args, 'api-key') ?? env['OAC_PROBE_API_KEY'];
  const ca = single<string>(args, 'ca');
  const cert = single<string>(args, 'cert');
  const key = single<string>(args, 'key');
  const expectTls = single<string>(args, 'expect-tls');
  assertClientCertPair(cert, key);
  const target = resolveTarget({
    url,
    ...(basic !== undefined ? { basic } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    headers: headers.map(String),
    ...(ca !== undefined ? { ca: readableFile('ca', ca) } : {}),
    ...(cert !== undefined ? { cert: readableFile('cert', cert) } : {}),
    ...(key !== undefined ? { key: readableFile('key', key) } : {}),
    ...(expectTls !== undefined ? { expectTls: String(expectTls) } : {}),
    timeoutMs: seconds('timeout', single<number>(args, 'timeout'), DEFAULT_TIMEOUT_MS),
    concurrency: wholeNumber('jobs', single<number>(args, 'jobs'), DEFAULT_CONCURRENCY, 32),
    insecure: args.insecure === true,
  });
  const out: Validated = { target };
  const reportDir = single<string>(args, 'report-dir');
  if (reportDir !== undefined) out.reportDir = writableReportDir(reportDir);
  const baseline = single<string>(args, 'baseline');
  if (baseline !== undefined) {
    const file = readableFile('baseline', baseline);
    try {
      out.baseline = loadBaseline(file);
    } catch (err) {
      throw usage(`--baseline ${baseline} is not a baseline file: ${(err as Error).message}`);
    }
    out.baselineFile = baseline;
  }
  const record = single<string>(args, 'record');
  if (record !== undefined) out.record = writableFileTarget('record', record);
  const drift = single<string>(args, 'drift');
  if (drift !== undefined) out.drift = readProbeRecording(readableFile('drift', drift));
  return out;
}

/** The effective configuration for the reports: secrets are never put in, only that they were given. */
function effectiveConfig(v: Validated, args: ProbeArgs): Record<string, unknown> {
  const t = v.target;
  return {
    url: t.url.href,
    ...(t.basic ? { basic: `${t.basic.user}:${REDACTED}` } : {}),
    ...(t.apiKey ? { apiKey: REDACTED } : {}),
    ...(t.headers.length > 0 ? { headers: t.headers.map((h) => `${h.name}: ${REDACTED}`) } : {}),
    ...(t.caFile ? { ca: t.caFile } : {}),
    ...(t.clientCert ? { cert: t.clientCert.certFile, key: t.clientCert.keyFile } : {}),
    ...(t.expectTls ? { expectTls: t.expectTls } : {}),
    ...(t.insecure ? { insecure: true } : {}),
    timeoutSeconds: t.timeoutMs / 1000,
    jobs: t.concurrency,
    strict: args.strict,
    ...(v.baselineFile ? { baseline: v.baselineFile } : {}),
    ...(v.record ? { record: v.record } : {}),
    ...(v.drift ? { drift: v.drift.file } : {}),
    precedence: 'command-line flag > OAC_PROBE_BASIC / OAC_PROBE_API_KEY environment variable > none',
  };
}

export interface ProbeOutcome {
  run: ProbeRun;
  report: RunReport;
  exitCode: 0 | 1;
}

/** Probe, judge, and record when asked: what the command does between checking flags and printing. */
export async function probeDeployment(v: Validated, opts: { strict: boolean; config: Record<string, unknown>; catalogue?: RouteCatalogue }): Promise<ProbeOutcome> {
  const run = await runProbe(v.target, { catalogue: opts.catalogue ?? routeCatalogue() });
  const secrets = probeSecrets(v.target, run);
  const { report, exitCode } = probeReport(run, {
    strict: opts.strict, config: opts.config, secrets, ...(v.baseline ? { baseline: v.baseline } : {}), ...(v.drift ? { drift: v.drift } : {}),
  });
  if (v.record !== undefined) writeProbeCassette(v.record, run, v.target, secrets, report.tool.version);
  return { run, report, exitCode };
}

export const probeCommand: CommandModule<object, ProbeArgs> = {
  command: 'probe [url]',
  describe: 'Probe a deployed Ollama behind a proxy (nginx, Caddy): which route, method, credential or TLS hole is open',
  builder: (y) =>
    y
      .positional('url', { type: 'string', describe: 'the base URL Ollama is served at, e.g. https://ollama.example.org' })
      .option('basic', { type: 'string', describe: 'USER:PASSWORD the proxy accepts (HTTP Basic). Env: OAC_PROBE_BASIC' })
      .option('api-key', { type: 'string', describe: 'the API key the proxy accepts as Authorization: Bearer. Env: OAC_PROBE_API_KEY' })
      .option('header', { type: 'string', describe: "'Name: value' the proxy requires (repeatable)" })
      .option('ca', { type: 'string', describe: 'PEM file of the CA the server certificate must chain to (default: the system store)' })
      .option('cert', { type: 'string', describe: 'PEM client certificate (mTLS); needs --key' })
      .option('key', { type: 'string', describe: 'PEM private key of --cert' })
      .option('expect-tls', { type: 'string', describe: 'the lowest TLS version that must be accepted: 1.2 or 1.3 (anything lower that completes a handshake fails)' })
      .option('timeout', { type: 'number', describe: `seconds per request (default ${DEFAULT_TIMEOUT_MS / 1000})` })
      .option('jobs', { type: 'number', describe: `requests in flight at once (default ${DEFAULT_CONCURRENCY})` })
      .option('report-dir', { type: 'string', describe: 'write results.json, junit.xml and report.html here' })
      .option('baseline', { type: 'string', describe: 'expected-failures JSON (scenario = route id, tls, mtls, cors, drift): known gaps stay visible but do not fail the run' })
      .option('record', { type: 'string', describe: 'save the exchanges as a redacted cassette (compare later with --drift)' })
      .option('drift', { type: 'string', describe: 'a cassette from an earlier --record: fail when a request refused then reaches Ollama now' })
      .option('insecure', { type: 'boolean', default: false, describe: 'send credentials even when the server certificate does not verify (like curl -k); the certificate checks still fail' })
      .option('strict', { type: 'boolean', default: false, describe: 'SHOULD-level findings (version disclosure, TLS 1.0/1.1, CORS, plain http) also fail the run' })
      .example('$0 probe https://ollama.example.org --basic "alice:$PASSWORD" --expect-tls 1.3', 'a deployment behind Basic auth and TLS 1.3')
      .example('$0 probe http://10.0.0.5:11434', 'what is open on a server without a proxy'),
  handler: async (args) => {
    const validated = validateProbeArgs(args);
    const outcome = await probeDeployment(validated, { strict: args.strict, config: effectiveConfig(validated, args) });
    process.stdout.write(`${renderTerminal(outcome.report, { color: shouldColor(process.stdout) })}\n`);
    process.stderr.write(`probed ${validated.target.url.href}: ${outcome.run.requestCount} requests in ${outcome.run.durationMs} ms\n`);
    if (validated.reportDir) process.stderr.write(`reports: ${writeReports(validated.reportDir, outcome.report).join(', ')}\n`);
    if (validated.record) process.stderr.write(`recorded: ${validated.record}\n`);
    process.exitCode = outcome.exitCode;
  },
};
