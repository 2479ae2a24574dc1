/**
 * `oac emulate`: run the offline ollama.com + registry stand-in until interrupted. stdout gets one line,
 * `listening on <url>` (then `ca-cert <path>` when a throwaway certificate was made), so scripts can read
 * the address; stderr gets one line per request: method, path, status, failing check ids.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { createEmulator, loadAuthorizedKeys, parseDuration, type Emulator, type EmulatorEvent, type EmulatorFaults, type EmulatorOptions } from '../emulator/index.js';
import { generateThrowawayCert } from '../emulator/tls-cert.js';

export interface EmulateArgs {
  port: number;
  host: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  'client-ca'?: string;
  'public-origin'?: string;
  'ts-window': string;
  'token-ttl': string;
  'authorized-keys'?: string;
  'api-key'?: string[];
  basic?: string;
  fault?: string[];
}

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
    tsWindowSeconds: parseDuration(args['ts-window']),
    tokenTtlSeconds: parseDuration(args['token-ttl']),
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
    const made = generateThrowawayCert([args.host]);
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

export async function runEmulate(args: EmulateArgs, io: { stdout: Writable; stderr: Writable } = process): Promise<Emulator> {
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
      .option('ts-window', { type: 'string', default: '2h', describe: 'accepted clock skew of signed ts values, e.g. 90s, 15m, 2h, 1d' })
      .option('token-ttl', { type: 'string', default: '1h', describe: 'how long an issued registry token is accepted' })
      .option('authorized-keys', { type: 'string', describe: 'file of "ssh-ed25519 <key> [comment]" lines; other keys are refused' })
      .option('api-key', { type: 'string', array: true, describe: 'accept "Authorization: Bearer <key>" on /api/* (repeatable)' })
      .option('basic', { type: 'string', describe: 'also accept HTTP Basic <user>:<pass> on /api/* (a proxied Ollama)' })
      .option('fault', { type: 'string', array: true, describe: 'stale-ts | unknown-key | deny-scope=<ns>/<model> (repeatable)' })
      .example('$0 emulate --port 11500 --ts-window 2h', 'serve on http://127.0.0.1:11500')
      .example('$0 emulate --tls --fault deny-scope=library/llama3', 'HTTPS with a throwaway CA; pulls of library/llama3 get 403')
      .epilog('Every refusal carries "X-Oac-Reason: <check id>: <message>", a diagnostic header of this harness (real Ollama sends nothing like it).'),
  handler: async (args) => {
    const emulator = await runEmulate(args);
    const stop = (): void => {
      emulator.stop().then(
        () => undefined,
        (err: unknown) => {
          process.stderr.write(`oac: stopping the emulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exitCode = 1;
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
