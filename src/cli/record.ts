/**
 * `oac record --target <url | live> --flow <registry | direct | api-key | basic> [--variant V] [--model ns/name:tag]
 * [--key FILE | --test-key] [--api-key-file F] [--basic-file F] [--out FILE]`: run one flow of the reference
 * client under Polly.js and save it as a redacted HAR cassette with provenance (src/recorder/). Prints what
 * was written and what changed against the previous cassette. `live` must be named explicitly.
 *
 * `oac record --intercept --flow F [--connect-to …] [--ca-file …] -- <command…>`: record the user's own
 * client instead: the command runs as given through the intercept proxy, which forwards to the live
 * services (or the stand-in --connect-to names); see src/recorder/intercept-record.ts.
 */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { keyFromSeed, loadOllamaKey, TEST_SEED, type OllamaKey } from '../keys/index.js';
import {
  deterministicNonces, displayPath, recordCassette, RECORD_FLOWS, variantsOf, VARIANTS, type RecordOptions, type RecordResult,
} from '../recorder/index.js';
import type { Origin } from '../recorder/har.js';
import { recordIntercepted, type InterceptRecordOptions } from '../recorder/intercept-record.js';

export interface RecordArgs {
  /** Required, except with --intercept (then `live` or omitted). */
  target?: string;
  intercept?: boolean;
  /** The command after `--` (yargs' populate--). */
  '--'?: (string | number)[];
  flow: string;
  variant?: string;
  model?: string;
  key?: string;
  'test-key'?: boolean;
  'api-key-file'?: string;
  'basic-file'?: string;
  out?: string;
  'recordings-dir'?: string;
  'public-origin'?: string;
  'connect-to'?: string[];
  'ca-file'?: string;
  origin?: string;
  'expires-in'?: string;
  deterministic?: boolean;
  now?: number;
  'allow-push'?: boolean;
  'dry-run'?: boolean;
  notes?: string;
}

function usage(message: string): OacError {
  return new OacError('cli/usage', message);
}

function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OacError('record/unreadable', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  // Files usually end in a newline; the value itself never contains one.
  return text.replace(/\r?\n$/, '');
}

/** curl's `--connect-to HOST1:PORT1:HOST2:PORT2` → `{ 'HOST1:PORT1': 'HOST2:PORT2' }`. */
export function parseConnectTo(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const m = /^([^:\s]+):(\d{1,5}):([^:\s]+|\[[^\]]+\]):(\d{1,5})$/.exec(value);
    if (!m) throw usage(`--connect-to must be HOST:PORT:ADDRESS:PORT (as curl's), got ${JSON.stringify(value)}`);
    out[`${m[1]}:${m[2]}`] = `${m[3]}:${m[4]}`;
  }
  return out;
}

function parseBasic(text: string, source: string): { user: string; pass: string } {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw usage(`${source} must hold user:password with both parts non-empty`);
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

/** The recordCassette options a command line stands for (environment: OLLAMA_API_KEY, OAC_BASIC_AUTH). */
export function recordOptionsFromArgs(args: RecordArgs, env: NodeJS.ProcessEnv = process.env): RecordOptions {
  if (args.target === undefined) throw usage('Missing required argument: target');
  if (args.key !== undefined && args['test-key']) throw usage('--key and --test-key exclude each other');
  if (args.target !== 'live' && !/^https?:\/\//.test(args.target)) throw usage(`--target must be "live" or an http(s) URL, got ${JSON.stringify(args.target)}`);
  if (args.origin === 'live' && args.target !== 'live') throw usage('--origin live needs --target live');
  let key: (() => OllamaKey) | undefined;
  if (args['test-key']) key = () => keyFromSeed(TEST_SEED);
  else if (args.key !== undefined) key = () => loadOllamaKey(args.key);
  const apiKey = args['api-key-file'] !== undefined ? readSecretFile(args['api-key-file'], 'the API key file') : env['OLLAMA_API_KEY'];
  const basicText = args['basic-file'] !== undefined ? readSecretFile(args['basic-file'], 'the Basic credentials file') : env['OAC_BASIC_AUTH'];
  const basic = basicText === undefined || basicText === '' ? undefined : parseBasic(basicText, args['basic-file'] ?? 'OAC_BASIC_AUTH');
  const fixedMs = (args.now ?? 1_700_000_000) * 1000;
  const options: RecordOptions = {
    target: args.target,
    flow: args.flow,
    ...(args.variant === undefined ? {} : { variant: args.variant }),
    ...(args.model === undefined ? {} : { model: args.model }),
    ...(key === undefined ? {} : { key }),
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
    ...(basic === undefined ? {} : { basic }),
    ...(args.out === undefined ? {} : { out: args.out }),
    ...(args['recordings-dir'] === undefined ? {} : { recordingsDir: args['recordings-dir'] }),
    ...(args['public-origin'] === undefined ? {} : { publicOrigin: args['public-origin'] }),
    ...(args['connect-to'] === undefined ? {} : { connectTo: parseConnectTo(args['connect-to']) }),
    ...(args['ca-file'] === undefined ? {} : { tls: { ca: readSecretFile(args['ca-file'], 'the CA file') } }),
    ...(args.origin === undefined ? {} : { origin: args.origin as Origin }),
    ...(args['expires-in'] === undefined ? {} : { expiresIn: args['expires-in'] }),
    ...(args['allow-push'] ? { allowPush: true } : {}),
    ...(args.notes === undefined ? {} : { notes: args.notes }),
    ...(args['dry-run'] ? { write: false } : {}),
    ...(args.deterministic ? { now: () => fixedMs, nonceBytes: deterministicNonces(`${args.flow}/${args.variant ?? ''}`) } : {}),
  };
  return options;
}

/** Options of the reference client that have no meaning when the user's command makes the requests. */
const NOT_WITH_INTERCEPT: readonly (keyof RecordArgs)[] = ['key', 'test-key', 'model', 'public-origin', 'allow-push', 'deterministic', 'now'];

/** The recordIntercepted options a command line stands for (environment: OLLAMA_API_KEY, OAC_BASIC_AUTH: known secrets). */
export function interceptOptionsFromArgs(args: RecordArgs, env: NodeJS.ProcessEnv = process.env): InterceptRecordOptions {
  if (args.target !== undefined && args.target !== 'live') {
    throw usage(`--intercept forwards to the live host names: --target must be "live" or omitted, got ${JSON.stringify(args.target)} (to record against a stand-in, pass --connect-to registry.ollama.ai:443:ADDRESS:PORT and --ca-file)`);
  }
  for (const name of NOT_WITH_INTERCEPT) {
    if (args[name] !== undefined && args[name] !== false) throw usage(`--${name} does not apply to --intercept: the command makes its own requests with its own key, model and clock`);
  }
  const command = (args['--'] ?? []).map(String);
  if (command.length === 0) throw usage('--intercept needs the command to record after --, e.g. oac record --intercept --flow registry -- python -m myrouter pull llama3');
  const apiKey = args['api-key-file'] !== undefined ? readSecretFile(args['api-key-file'], 'the API key file') : env['OLLAMA_API_KEY'];
  const basicText = args['basic-file'] !== undefined ? readSecretFile(args['basic-file'], 'the Basic credentials file') : env['OAC_BASIC_AUTH'];
  const basic = basicText === undefined || basicText === '' ? undefined : parseBasic(basicText, args['basic-file'] ?? 'OAC_BASIC_AUTH');
  return {
    command,
    flow: args.flow,
    env,
    ...(args.variant === undefined ? {} : { variant: args.variant }),
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
    ...(basic === undefined ? {} : { basic }),
    ...(args.out === undefined ? {} : { out: args.out }),
    ...(args['recordings-dir'] === undefined ? {} : { recordingsDir: args['recordings-dir'] }),
    ...(args['connect-to'] === undefined ? {} : { connectTo: parseConnectTo(args['connect-to']) }),
    ...(args['ca-file'] === undefined ? {} : { ca: readSecretFile(args['ca-file'], 'the CA file') }),
    ...(args.origin === undefined ? {} : { origin: args.origin as Origin }),
    ...(args['expires-in'] === undefined ? {} : { expiresIn: args['expires-in'] }),
    ...(args.notes === undefined ? {} : { notes: args.notes }),
    ...(args['dry-run'] ? { write: false } : {}),
  };
}

/** The report lines: what was written and the diff against the previous cassette. */
export function describeResult(result: RecordResult, dryRun = false): string[] {
  const roles = result.cassette.log.entries.map((e) => e._oac.role).join(', ');
  const where = displayPath(result.path);
  const verb = result.diff.status === 'unchanged' ? 'unchanged' : dryRun ? 'would write' : 'wrote';
  return [`${verb} ${where} (${result.cassette.log.entries.length} entries: ${roles})`, ...result.diff.lines.filter((l) => l !== 'unchanged').map((l) => `  ${l}`)];
}

export const recordCommand: CommandModule<object, RecordArgs> = {
  command: 'record',
  describe: 'Record one auth flow of the reference client into a redacted HAR cassette (Polly.js)',
  builder: (y: Argv<object>) =>
    y
      .parserConfiguration({ 'populate--': true })
      .option('target', { type: 'string', describe: '"live" (registry.ollama.ai + ollama.com; never used by tests) or a base URL, e.g. the emulator\'s (required without --intercept)' })
      .option('intercept', { type: 'boolean', describe: 'record your own client: run the command after -- as given, through a proxy that forwards to registry.ollama.ai / ollama.com (or the --connect-to stand-in)' })
      .option('flow', { type: 'string', demandOption: true, choices: [...RECORD_FLOWS], describe: 'which flow to run' })
      .option('variant', { type: 'string', describe: `default: the flow's first; ${RECORD_FLOWS.map((f) => `${f}: ${variantsOf(f).map((v) => v.variant).join('|')}`).join('; ')}` })
      .option('model', { type: 'string', describe: 'ns/name:tag for the registry flow (default library/llama3:latest)' })
      .option('key', { type: 'string', describe: 'Ollama ed25519 key file (default ~/.ollama/id_ed25519)' })
      .option('test-key', { type: 'boolean', describe: 'sign with the published test key (TEST_SEED): emulator recordings only' })
      .option('api-key-file', { type: 'string', describe: 'file holding the API key (default: $OLLAMA_API_KEY)' })
      .option('basic-file', { type: 'string', describe: 'file holding user:password (default: $OAC_BASIC_AUTH)' })
      .option('out', { type: 'string', describe: 'cassette path (default recordings/<flow>/<variant>.har)' })
      .option('recordings-dir', { type: 'string', describe: 'where default cassette paths go (default ./recordings)' })
      .option('public-origin', { type: 'string', describe: 'the origin the client uses while the recorder dials --target (stable names in the cassette)' })
      .option('connect-to', { type: 'string', array: true, describe: 'HOST:PORT:ADDRESS:PORT: dial ADDRESS:PORT for HOST:PORT (curl syntax); the cassette keeps HOST' })
      .option('ca-file', { type: 'string', describe: 'PEM CA to trust for the target (a private CA)' })
      .option('origin', { type: 'string', choices: ['live', 'emulator', 'local-stand-in'], describe: 'provenance label (default: live for --target live, else emulator)' })
      .option('expires-in', { type: 'string', describe: 'validity, e.g. 30d (default 30d live, 3650d otherwise)' })
      .option('deterministic', { type: 'boolean', describe: 'fixed clock (--now) and counter nonces: byte-identical re-recordings' })
      .option('now', { type: 'number', describe: 'unix seconds for --deterministic (default 1700000000)' })
      .option('allow-push', { type: 'boolean', describe: 'allow the push variants to PUT the manifest they read back to the live registry' })
      .option('dry-run', { type: 'boolean', describe: 'record, redact, scan and validate, but write nothing' })
      .option('notes', { type: 'string', describe: 'free text stored in the provenance' })
      .check((args) => {
        if (!args['intercept'] && args['target'] === undefined) throw usage('Missing required argument: target');
        if (!args['intercept'] && (args['--'] as unknown[] | undefined)?.length) throw usage('a command after -- is only run with --intercept (oac record --intercept --flow F -- <command>)');
        if (args['now'] !== undefined && !args['deterministic']) throw usage('--now needs --deterministic');
        if (args['variant'] !== undefined && !VARIANTS.some((v) => v.flow === args['flow'] && v.variant === args['variant'])) {
          throw usage(`--variant for ${String(args['flow'])} must be one of ${variantsOf(args['flow'] as (typeof RECORD_FLOWS)[number]).map((v) => v.variant).join(', ')}`);
        }
        return true;
      })
      .example('$0 record --target http://127.0.0.1:11435 --public-origin http://registry.emulated.test --flow registry --test-key', 'record the registry pull from `oac emulate --public-origin http://registry.emulated.test`')
      .example('$0 record --target live --flow direct --variant whoami', 'record POST /api/me against ollama.com with ~/.ollama/id_ed25519')
      .example('$0 record --intercept --flow registry -- python -m myrouter pull llama3', 'record your own client\'s exchange with registry.ollama.ai'),
  handler: async (args) => {
    const result = args.intercept ? await recordIntercepted(interceptOptionsFromArgs(args)) : await recordCassette(recordOptionsFromArgs(args));
    for (const line of describeResult(result, args['dry-run'] === true)) process.stdout.write(`${line}\n`);
  },
};
