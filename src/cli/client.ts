/**
 * `oac client <action> <target>`: the bundled reference client behind exec contract v1 (README). `oac
 * check` runs it like any other client under test, and it must pass every scenario: it is the harness's
 * proof that a correct client exists.
 *
 * Contract: exit 0 with the response body on stdout, byte for byte; exit 1 with one line
 * `oac client: <action>: <message>` on stderr; exit 3 with `unsupported action` for an unknown action.
 * Environment: HOME (the key at $HOME/.ollama/id_ed25519, read only when a request needs a signature),
 * OLLAMA_API_KEY, OAC_CA_FILE (PEM CA to trust), OAC_CLIENT_CERT / OAC_CLIENT_KEY (PEM files for mTLS),
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (Go's rules, as Ollama's client reads them: src/reference/proxy-env.ts).
 */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import type { ExecAction } from '../conformance/types.js';
import { defaultKeyPath, loadOllamaKey, type OllamaKey } from '../keys/index.js';
import {
  apiKeyRequest, basicRequest, listTags, registryRequest, whoami, type HttpOptions, type HttpResponse, type TlsOptions,
} from '../reference/index.js';

export const CLIENT_ACTIONS: readonly ExecAction[] = ['registry-manifest', 'cloud-tags', 'cloud-whoami', 'apikey-tags', 'basic-tags'];

/** The exit codes of exec contract v1. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_UNSUPPORTED = 3;

export interface ClientOutcome {
  exitCode: typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_UNSUPPORTED;
  /** The response body, verbatim (empty on failure). */
  stdout: Buffer;
  /** One line ending in "\n" on failure; empty on success. */
  stderr: string;
}

function isAction(value: string): value is ExecAction {
  return (CLIENT_ACTIONS as readonly string[]).includes(value);
}

function readPem(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const file = env[name];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new OacError('client/unreadable', `cannot read ${name}=${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** TLS settings from the contract's variables: a custom CA (OAC_CA_FILE) and an mTLS certificate pair. */
export function tlsFromEnv(env: NodeJS.ProcessEnv): TlsOptions | undefined {
  const ca = readPem(env, 'OAC_CA_FILE');
  const cert = readPem(env, 'OAC_CLIENT_CERT');
  const key = readPem(env, 'OAC_CLIENT_KEY');
  if ((cert === undefined) !== (key === undefined)) {
    throw new OacError('client/bad-env', 'OAC_CLIENT_CERT and OAC_CLIENT_KEY go together: set both or neither');
  }
  if (ca === undefined && cert === undefined) return undefined;
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert, key: key! }) };
}

async function perform(action: ExecAction, target: string, env: NodeJS.ProcessEnv): Promise<HttpResponse> {
  const tls = tlsFromEnv(env);
  const http: HttpOptions = { ...(tls === undefined ? {} : { tls }), proxyEnv: env };
  // A function, not a key: each flow reads the file only at the moment it must sign (KEY-05: nothing
  // claiming to be signed leaves with a bad key; registry: no key is needed for an open registry).
  const key = (): OllamaKey => loadOllamaKey(defaultKeyPath(env));
  switch (action) {
    case 'registry-manifest':
      return (await registryRequest({ url: target, key, http })).response;
    case 'cloud-tags':
      return (await listTags(target, key, { http })).response;
    case 'cloud-whoami':
      return (await whoami(target, key, { http })).response;
    case 'apikey-tags': {
      const apiKey = env['OLLAMA_API_KEY'];
      if (apiKey === undefined) throw new OacError('client/no-api-key', 'OLLAMA_API_KEY is not set: nothing to authenticate with');
      // The contract's target stands in for https://ollama.com, so it is the one origin the key may go to.
      let origin: string;
      try {
        origin = new URL(target).origin;
      } catch (err) {
        throw new OacError('client/bad-target', `target ${JSON.stringify(target)} is not a URL: ${(err as Error).message}`, { cause: err });
      }
      return (await apiKeyRequest({ baseUrl: target, method: 'GET', path: '/api/tags', apiKey, allowedOrigins: [origin], http })).response;
    }
    case 'basic-tags':
      return (await basicRequest({ url: target, path: '/api/tags', http })).response;
    default: {
      const never: never = action;
      throw new OacError('client/unsupported', `unsupported action ${String(never)}`);
    }
  }
}

/** One line: the error's message, then its status and signin_url when the message does not show them yet. */
export function failureLine(action: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const parts = [err instanceof OacError ? message : `unexpected error: ${message}`];
  const details = err as { status?: unknown; signinUrl?: unknown };
  if (typeof details.status === 'number' && !message.includes(String(details.status))) parts.push(`(HTTP ${details.status})`);
  if (typeof details.signinUrl === 'string' && !message.includes(details.signinUrl)) parts.push(`(signin_url: ${details.signinUrl})`);
  return `oac client: ${action}: ${parts.join(' ').replace(/[\r\n]+/g, ' ')}\n`;
}

/** The whole client as a function (what the command prints and exits with), for the CLI and for tests. */
export async function runClientAction(action: string, target: string, env: NodeJS.ProcessEnv = process.env): Promise<ClientOutcome> {
  if (!isAction(action)) {
    return {
      exitCode: EXIT_UNSUPPORTED,
      stdout: Buffer.alloc(0),
      stderr: `oac client: unsupported action ${action.replace(/[\r\n]+/g, ' ')} (this client implements ${CLIENT_ACTIONS.join(', ')})\n`,
    };
  }
  try {
    const response = await perform(action, target, env);
    return { exitCode: EXIT_OK, stdout: response.body, stderr: '' };
  } catch (err) {
    return { exitCode: EXIT_FAILED, stdout: Buffer.alloc(0), stderr: failureLine(action, err) };
  }
}

interface ClientArgs {
  action: string;
  target: string;
}

export const clientCommand: CommandModule<object, ClientArgs> = {
  command: 'client <action> <target>',
  describe: 'The reference client of exec contract v1: perform <action> against <target>, print the body (exit 0) or one error line (exit 1)',
  builder: (y) =>
    y.positional('action', { type: 'string', demandOption: true, describe: `one of ${CLIENT_ACTIONS.join(', ')} (anything else: exit 3)` })
      .positional('target', { type: 'string', demandOption: true, describe: 'manifest URL (registry-manifest) or base URL (the others; basic-tags with user:pass@)' })
      .example('$0 client registry-manifest http://127.0.0.1:8080/v2/library/llama3/manifests/latest', 'pull a manifest through the challenge flow')
      .example('OLLAMA_API_KEY=… $0 client apikey-tags http://127.0.0.1:8080', 'list models with an API key'),
  handler: async (args) => {
    const outcome = await runClientAction(args.action, args.target, process.env);
    if (outcome.stdout.length > 0) process.stdout.write(outcome.stdout);
    if (outcome.stderr !== '') process.stderr.write(outcome.stderr);
    // exitCode, not exit(): stdout may be a pipe still being written.
    process.exitCode = outcome.exitCode;
  },
};
