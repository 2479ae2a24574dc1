/**
 * `oac sign`: prints, as JSON, exactly what a correct client sends for the given inputs. It is the
 * debugging tool for client authors: diff its output against what your client produces.
 */
import type { Argv, CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { defaultKeyPath, loadOllamaKey, type OllamaKey } from '../keys/index.js';
import { formatAuthorization } from '../protocol/authorization.js';
import { newNonce } from '../protocol/nonce.js';
import { buildDirectRequest, buildRequestUriRequest, registrySignedString } from '../protocol/signing.js';
import { buildTokenUrl } from '../protocol/token-url.js';

interface CommonArgs {
  key?: string;
  ts?: number;
}

function withCommon<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('key', { type: 'string', describe: 'private key file (default: $HOME/.ollama/id_ed25519)' })
    .option('ts', { type: 'number', describe: 'unix seconds to sign (default: now)' })
    .check((a) => {
      const ts = (a as CommonArgs).ts;
      if (ts !== undefined && (!Number.isSafeInteger(ts) || ts < 0)) throw new Error(`--ts must be a non-negative integer of unix seconds, got ${ts}`);
      return true;
    }) as Argv<T & CommonArgs>;
}

function loadKey(args: CommonArgs): OllamaKey {
  return loadOllamaKey(args.key ?? defaultKeyPath(process.env));
}

function tsOf(args: CommonArgs): number {
  return args.ts ?? Math.floor(Date.now() / 1000);
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The JSON of a directly signed request, in both header forms Ollama emits (raw and `Bearer`). */
function printDirect(flavour: string, method: string, ts: number, built: { url: string; signedString: string }, key: OllamaKey): void {
  const signature = key.sign(built.signedString);
  print({
    flavour,
    method,
    ts,
    url: built.url,
    signedString: built.signedString,
    authorization: formatAuthorization(key.publicKeyField, signature, 'raw'),
    authorizationBearerForm: formatAuthorization(key.publicKeyField, signature, 'bearer'),
    publicKey: key.authorizedKeyLine,
  });
}

interface RegistryArgs extends CommonArgs {
  realm: string;
  service: string;
  scope: string;
  'nonce-hex'?: string;
}

const registry: CommandModule<object, RegistryArgs> = {
  command: 'registry',
  describe: 'registry token request: token URL, signed string, Authorization',
  builder: (y) =>
    withCommon(y)
      .option('realm', { type: 'string', demandOption: true, describe: 'realm from the WWW-Authenticate challenge' })
      .option('service', { type: 'string', demandOption: true })
      .option('scope', { type: 'string', demandOption: true, describe: "space-separated scopes, e.g. 'repository:library/llama3:pull'" })
      .option('nonce-hex', { type: 'string', describe: '16 bytes as 32 hex digits (default: random)' })
      .check((a) => {
        const hex = a['nonce-hex'];
        if (hex !== undefined && !/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`--nonce-hex must be 32 hex digits (16 bytes), got ${JSON.stringify(hex)}`);
        return true;
      }),
  handler: (args) => {
    const key = loadKey(args);
    const ts = tsOf(args);
    const nonce = newNonce(args['nonce-hex'] ? Buffer.from(args['nonce-hex'], 'hex') : undefined);
    const tokenUrl = buildTokenUrl({ realm: args.realm, service: args.service, scope: args.scope, ts, nonce });
    const signedString = registrySignedString(tokenUrl);
    print({
      flavour: 'registry-token-request',
      method: 'GET',
      ts,
      nonce,
      tokenUrl,
      signedString,
      authorization: formatAuthorization(key.publicKeyField, key.sign(signedString), 'raw'),
      publicKey: key.authorizedKeyLine,
    });
  },
};

interface DirectArgs extends CommonArgs {
  method: string;
  path: string;
  base: string;
}

const direct: CommandModule<object, DirectArgs> = {
  command: 'direct',
  describe: 'direct ollama.com request (api/client.go): METHOD,path?ts=',
  builder: (y) =>
    withCommon(y)
      .option('method', { type: 'string', demandOption: true, describe: 'HTTP method, e.g. GET or POST' })
      .option('path', { type: 'string', demandOption: true, describe: 'API path, e.g. /api/tags' })
      .option('base', { type: 'string', default: 'https://ollama.com', describe: 'base URL the request goes to' })
      .check((a) => {
        if (!a.path.startsWith('/')) throw new Error(`--path must start with "/", got ${JSON.stringify(a.path)}`);
        return true;
      }),
  handler: (args) => {
    const key = loadKey(args);
    const ts = tsOf(args);
    const method = args.method.toUpperCase();
    printDirect('direct-path-ts', method, ts, buildDirectRequest(method, args.base, args.path, ts), key);
  },
};

interface RequestUriArgs extends CommonArgs {
  method: string;
  url: string;
}

const requestUri: CommandModule<object, RequestUriArgs> = {
  command: 'request-uri',
  describe: 'cloud-proxy style request (server/cloud_proxy.go): METHOD,RequestURI with every query param sorted',
  builder: (y) =>
    withCommon(y)
      .option('method', { type: 'string', demandOption: true })
      .option('url', { type: 'string', demandOption: true, describe: 'full URL, its query included' }),
  handler: (args) => {
    const key = loadKey(args);
    const ts = tsOf(args);
    const method = args.method.toUpperCase();
    printDirect('direct-request-uri', method, ts, buildRequestUriRequest(method, args.url, ts), key);
  },
};

export const signCommand: CommandModule<object, object> = {
  command: 'sign',
  describe: 'Print, as JSON, exactly what a correct client must send (debugging aid for client authors)',
  builder: (y) =>
    y.command(registry).command(direct).command(requestUri)
      .demandCommand(1, 'name a flavour: registry, direct or request-uri')
      .example("$0 sign registry --key k --realm https://registry.ollama.ai/v2/token --service registry.ollama.ai --scope 'repository:library/llama3:pull' --ts 1700000000 --nonce-hex 000102030405060708090a0b0c0d0e0f", '')
      .example('$0 sign direct --key k --method POST --path /api/me --ts 1700000000', ''),
  handler: () => {
    throw new OacError('cli/usage', 'name a flavour: registry, direct or request-uri');
  },
};
