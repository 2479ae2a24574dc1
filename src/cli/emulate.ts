/**
 * `oac emulate`: run the offline ollama.com + registry stand-in until interrupted. stdout gets one line,
 * `listening on <url>` (then `ca-cert <path>` when a throwaway certificate was made), so scripts can read
 * the address; stderr gets one line per request: method, path, status, failing check ids.
 *
 * `oac emulate --local-ollama` runs the other stand-in instead: Ollama's own REST API as `ollama serve`
 * answers it, without auth (the backend `oac probe` is tested against). Same stdout line; stderr gets one
 * line per request (credentials by shape), `--request-log FILE` appends each as a JSON line.
 */
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { createEmulator, loadAuthorizedKeys, parseDuration, type Emulator, type EmulatorEvent, type EmulatorFaults, type EmulatorOptions } from '../emulator/index.js';
import { generateThrowawayCert } from '../emulator/tls-cert.js';
import { createLocalOllama, type LocalOllama, type LoggedRequest } from '../local-ollama/index.js';
import { createWorkspace } from '../workspace.js';

export interface EmulateArgs {
  port: number;
  host: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  'client-ca'?: string;
  'public-origin'?: string;
  /** Default 2h (applied here, not by yargs, so that `--local-ollama` can tell it was not given). */
  'ts-window'?: string;
  /** Default 1h. */
  'token-ttl'?: string;
  'authorized-keys'?: string;
  'api-key'?: string[];
  basic?: string;
  fault?: string[];
  'local-ollama'?: boolean;
  'request-log'?: string;
}

export const DEFAULT_TS_WINDOW = '2h';
export const DEFAULT_TOKEN_TTL = '1h';

function usage(message: string): OacError {
  return new OacError('cli/usage', message);
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new OacError('emulator/unreadable', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export function parseFaults(values: readonly string[]): EmulatorFaults {
  const faults: Required<EmulatorFaults> = { staleTs: false, unknownKey: false, denyScopes: [] };
  for (const value of values) {
    if (value === 'stale-ts') faults.staleTs = true;
    else if (value === 'unknown-key') faults.unknownKey = true;
    else if (/^deny-scope=[^/\s:]+\/[^/\s:]+$/.test(value)) faults.denyScopes.push(value.slice('deny-scope='.length));
    else throw usage(`--fault must be stale-ts, unknown-key or deny-scope=<ns>/<model>, got ${JSON.stringify(value)}`);
  }
  return faults;
}

export function parseBasic(value: string): { user: string; pass: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw usage('--basic must be <user>:<pass> with both parts non-empty');
  return { user: value.slice(0, colon), pass: value.slice(colon + 1) };
}

export interface EmulateSetup {
  options: EmulatorOptions;
  /** Set when a throwaway certificate was generated. */
  caPath?: string;
}

export function emulatorOptionsFromArgs(args: EmulateArgs): EmulateSetup {
  const options: EmulatorOptions = {
    host: args.host,
    port: args.port,
    tsWindowSeconds: parseDuration(args['ts-window'] ?? DEFAULT_TS_WINDOW),
    tokenTtlSeconds: parseDuration(args['token-ttl'] ?? DEFAULT_TOKEN_TTL),
    faults: parseFaults(args.fault ?? []),
  };
  if (args['public-origin'] !== undefined) options.publicOrigin = args['public-origin'];
  if (args['authorized-keys'] !== undefined) options.authorizedKeys = loadAuthorizedKeys(args['authorized-keys']);
  if (args['api-key'] !== undefined) options.apiKeys = args['api-key'];
  if (args.basic !== undefined) options.basic = parseBasic(args.basic);

  if ((args.cert === undefined) !== (args.key === undefined)) throw usage('--cert and --key go together');
  const tls = args.tls === true || args.cert !== undefined;
  if (!tls) {
    if (args['client-ca'] !== undefined) throw usage('--client-ca needs --tls');
    return { options };
  }
  let caPath: string | undefined;
  let cert: Buffer;
  let key: Buffer;
  if (args.cert !== undefined && args.key !== undefined) {
    cert = readFile(args.cert, 'certificate');
    key = readFile(args.key, 'private key');
  } else {
    // The CA file must exist while the emulator runs (clients are told its path); the workspace removes
    // it, with the CA and server keys, when the process exits or is interrupted.
    const made = generateThrowawayCert([args.host], createWorkspace('oac-emulate-tls-').dir);
    caPath = made.caPath;
    cert = readFile(made.certPath, 'certificate');
    key = readFile(made.keyPath, 'private key');
  }
  options.tls = { cert, key };
  if (args['client-ca'] !== undefined) options.tls = { ...options.tls, ca: readFile(args['client-ca'], 'client CA'), requestCert: true };
  return caPath === undefined ? { options } : { options, caPath };
}

/** One stderr line per request; never a credential (the event holds only shapes, and we print none). */
export function formatEventLine(event: EmulatorEvent): string {
  const path = event.url.split('?')[0];
  const failing = [...new Set(event.findings.filter((f) => !f.ok).map((f) => f.id))];
  return `${event.method} ${path} ${event.status}${failing.length ? ` ${failing.join(',')}` : ''}`;
}

/** The options that configure the registry/ollama.com stand-in and mean nothing to the local Ollama. */
const REGISTRY_ONLY_OPTIONS = ['tls', 'cert', 'key', 'client-ca', 'public-origin', 'ts-window', 'token-ttl', 'authorized-keys', 'api-key', 'basic', 'fault'] as const;

/** Refuse option mixes that cannot mean what the user wants (exit 2, one line). */
export function checkEmulateMode(args: EmulateArgs): void {
  if (args['local-ollama'] === true) {
    const given = REGISTRY_ONLY_OPTIONS.filter((name) => args[name] !== undefined);
    if (given.length > 0) {
      throw usage(`--local-ollama serves Ollama's own API without auth and takes only --port, --host and --request-log; ${given.map((n) => `--${n}`).join(', ')} configure${given.length === 1 ? 's' : ''} the registry stand-in`);
    }
  } else if (args['request-log'] !== undefined) {
    throw usage('--request-log needs --local-ollama');
  }
}

/** One stderr line per request to the local Ollama: never a credential (the log holds only shapes). */
export function formatLocalOllamaLine(entry: LoggedRequest): string {
  const auth = entry.headers['authorization'];
  const parts = [`${entry.method} ${entry.target} ${entry.status}`, `route=${entry.route ?? '-'}`];
  if (auth !== undefined) parts.push(`authorization="${auth}"`);
  parts.push(entry.stateChanging ? `STATE-CHANGING: ${entry.reason}` : `(${entry.reason})`);
  return parts.join(' ');
}

function openRequestLog(path: string): (entry: LoggedRequest) => void {
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    throw new OacError('local-ollama/request-log', `cannot append to the request log ${path}: ${(err as Error).message}`, { cause: err });
  }
  return (entry) => appendFileSync(path, `${JSON.stringify(entry)}\n`);
}

export async function runLocalOllama(args: EmulateArgs, io: { stdout: Writable; stderr: Writable } = process): Promise<LocalOllama> {
  checkEmulateMode(args);
  const appendLog = args['request-log'] === undefined ? undefined : openRequestLog(args['request-log']);
  const server = await createLocalOllama({
    host: args.host,
    port: args.port,
    onRequest: (entry) => {
      io.stderr.write(`${formatLocalOllamaLine(entry)}\n`);
      appendLog?.(entry);
    },
  });
  io.stdout.write(`listening on ${server.url}\n`);
  return server;
}

export async function runEmulate(args: EmulateArgs, io: { stdout: Writable; stderr: Writable } = process): Promise<Emulator> {
  checkEmulateMode(args);
  const setup = emulatorOptionsFromArgs(args);
  const emulator = createEmulator({ ...setup.options, onEvent: (event) => io.stderr.write(`${formatEventLine(event)}\n`) });
  const { url } = await emulator.start();
  io.stdout.write(`listening on ${url}\n`);
  if (setup.caPath !== undefined) io.stdout.write(`ca-cert ${setup.caPath}\n`);
  return emulator;
}

export const emulateCommand: CommandModule<object, EmulateArgs> = {
  command: 'emulate',
  describe: 'Run an offline stand-in for registry.ollama.ai and ollama.com that verifies signatures for real',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 0, describe: 'port to listen on (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
      .option('tls', { type: 'boolean', describe: 'serve HTTPS (without --cert/--key: a throwaway CA + certificate made with openssl)' })
      .option('cert', { type: 'string', describe: 'server certificate (PEM); implies --tls' })
      .option('key', { type: 'string', describe: 'server private key (PEM)' })
      .option('client-ca', { type: 'string', describe: 'require client certificates signed by this CA (PEM)' })
      .option('public-origin', { type: 'string', describe: 'origin clients use, for realm URLs and signature checks (default: the listening origin)' })
      .option('ts-window', { type: 'string', describe: `accepted clock skew of signed ts values, e.g. 90s, 15m, 2h, 1d (default ${DEFAULT_TS_WINDOW})` })
      .option('token-ttl', { type: 'string', describe: `how long an issued registry token is accepted (default ${DEFAULT_TOKEN_TTL})` })
      .option('authorized-keys', { type: 'string', describe: 'file of "ssh-ed25519 <key> [comment]" lines; other keys are refused' })
      .option('api-key', { type: 'string', array: true, describe: 'accept "Authorization: Bearer <key>" on /api/* (repeatable)' })
      .option('basic', { type: 'string', describe: 'also accept HTTP Basic <user>:<pass> on /api/* (a proxied Ollama)' })
      .option('fault', { type: 'string', array: true, describe: 'stale-ts | unknown-key | deny-scope=<ns>/<model> (repeatable)' })
      .option('local-ollama', { type: 'boolean', describe: "serve Ollama's own REST API as `ollama serve` does, without auth (the backend for `oac probe`); takes only --port, --host, --request-log" })
      .option('request-log', { type: 'string', describe: 'with --local-ollama: append every request to FILE as a JSON line (credentials by shape)' })
      .example('$0 emulate --port 11500 --ts-window 2h', 'serve on http://127.0.0.1:11500')
      .example('$0 emulate --tls --fault deny-scope=library/llama3', 'HTTPS with a throwaway CA; pulls of library/llama3 get 403')
      .example('$0 emulate --local-ollama --port 11434', "Ollama's API on http://127.0.0.1:11434, every request logged on stderr")
      .epilog('Every refusal carries "X-Oac-Reason: <check id>: <message>", a diagnostic header of this harness (real Ollama sends nothing like it).'),
  handler: async (args) => {
    const running: { stop(): Promise<void> } = args['local-ollama'] === true ? await runLocalOllama(args).then((s) => ({ stop: () => s.close() })) : await runEmulate(args);
    const stop = (): void => {
      running.stop().then(
        () => undefined,
        (err: unknown) => {
          process.stderr.write(`oac: stopping the ${args['local-ollama'] === true ? 'local Ollama' : 'emulator'} failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exitCode = 1;
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
