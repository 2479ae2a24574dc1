/** createEmulator's options, their defaults, and the validated state the route handlers share. */
import { OacError } from '../errors.js';
import { goParseUrl } from '../protocol/go-url.js';
import { normaliseAuthorizedKey } from './authorized-keys.js';
import { defaultCatalogue, defaultCloudModels, type CloudModel, type ModelCatalogue } from './catalogue.js';
import type { EmulatorEvent } from './events.js';
import { NonceLedger } from './nonces.js';
import { VerifiedTokens } from './verified-tokens.js';

export interface EmulatorFaults {
  /** Treat every ts as outside the window (a client with a skewed clock, seen from the server). */
  staleTs?: boolean;
  /** Treat every key as unknown (not in authorized_keys / not linked to an account). */
  unknownKey?: boolean;
  /** Repositories (`<ns>/<model>`) whose pull and push are denied: the token endpoint answers 403. */
  denyScopes?: string[];
}

export interface EmulatorTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA bundle used to verify client certificates (with `requestCert`). */
  ca?: string | Buffer;
  /** Ask for a client certificate; a request without a valid one is refused with 400 (check tls/client-cert). */
  requestCert?: boolean;
}

export interface EmulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: an ephemeral port). */
  port?: number;
  /** Serve HTTPS instead of HTTP. */
  tls?: EmulatorTlsOptions;
  /**
   * The origin clients use (`https://registry.ollama.ai`): realm URLs and the URLs signatures are rebuilt
   * from. Default: the listening origin, known after start().
   */
  publicOrigin?: string;
  /** Accepted |ts - now| in seconds, both directions (default 7200). */
  tsWindowSeconds?: number;
  /** How long an issued registry token is accepted, counted from the ts it was signed with (default 3600). */
  tokenTtlSeconds?: number;
  /** Public-key fields (or whole `ssh-ed25519 …` lines) allowed in; when unset, any well-formed key is. */
  authorizedKeys?: Iterable<string>;
  /** API keys accepted as `Authorization: Bearer <key>` on /api/*. */
  apiKeys?: Iterable<string>;
  /** Also accept HTTP Basic with these credentials on /api/* (a proxied self-hosted Ollama). */
  basic?: { user: string; pass: string };
  /**
   * Registry content (default: library/llama3:latest). PUT manifests are added to it; its aliases
   * (addModelAlias) serve a manifest under other names, and may be added while the emulator runs.
   */
  models?: ModelCatalogue;
  /** ollama.com's /api/tags list (default: gpt-oss:120b-cloud, qwen3-coder:480b-cloud). */
  cloudModels?: CloudModel[];
  faults?: EmulatorFaults;
  /** Clock in milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Called after each request with its event (the CLI logs from here). */
  onEvent?: (event: EmulatorEvent) => void;
}

export const DEFAULT_TS_WINDOW_SECONDS = 7200;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** Validated options plus mutable state; one per emulator. */
export interface EmulatorState {
  readonly host: string;
  readonly port: number;
  readonly tls: EmulatorTlsOptions | undefined;
  readonly tsWindowSeconds: number;
  readonly tokenTtlSeconds: number;
  readonly authorizedKeys: ReadonlySet<string> | undefined;
  readonly apiKeys: ReadonlySet<string>;
  readonly basic: { user: string; pass: string } | undefined;
  readonly catalogue: ModelCatalogue;
  readonly cloudModels: CloudModel[];
  readonly faults: Required<EmulatorFaults>;
  readonly nonces: NonceLedger;
  /** Tokens issued here whose signature the token endpoint verified (not verified again on use). */
  readonly verifiedTokens: VerifiedTokens;
  nowMs(): number;
  nowSeconds(): number;
  /** The origin clients use; throws before start() when no publicOrigin was given. */
  origin(): string;
  /** `<origin>/v2/token` */
  realm(): string;
  /** The `service` of our challenges: the origin's host (host:port as written). */
  service(): string;
}

function badOption(message: string): OacError {
  return new OacError('emulator/bad-option', message);
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw badOption(`${name} must be a non-negative whole number of seconds, got ${value}`);
  return value;
}

/** `scheme://host[:port]` with scheme http or https and nothing after the authority. */
function checkOrigin(origin: string): string {
  let url;
  try {
    url = goParseUrl(origin);
  } catch (err) {
    throw badOption(`publicOrigin ${JSON.stringify(origin)} does not parse: ${(err as Error).message}`);
  }
  if ((url.scheme !== 'http' && url.scheme !== 'https') || url.host === '' || url.userinfo !== undefined || url.path !== '' || url.hasQuery || url.fragment !== undefined) {
    throw badOption(`publicOrigin must be "http(s)://host[:port]" with no path, query or credentials, got ${JSON.stringify(origin)}`);
  }
  return origin;
}

export function resolveOptions(options: EmulatorOptions, listeningOrigin: () => string | undefined): EmulatorState {
  const port = options.port ?? 0;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw badOption(`port must be 0..65535, got ${port}`);
  if (options.basic && (options.basic.user === '' || options.basic.pass === '' || options.basic.user.includes(':'))) {
    throw badOption('basic needs a non-empty user without ":" and a non-empty password');
  }
  const apiKeys = new Set(options.apiKeys ?? []);
  if (apiKeys.has('')) throw badOption('an API key must not be empty');
  const publicOrigin = options.publicOrigin === undefined ? undefined : checkOrigin(options.publicOrigin);
  const now = options.now ?? Date.now;
  const tsWindowSeconds = nonNegativeInteger('tsWindowSeconds', options.tsWindowSeconds, DEFAULT_TS_WINDOW_SECONDS);
  const tokenTtlSeconds = nonNegativeInteger('tokenTtlSeconds', options.tokenTtlSeconds, DEFAULT_TOKEN_TTL_SECONDS);
  const origin = (): string => {
    const o = publicOrigin ?? listeningOrigin();
    if (o === undefined) throw new OacError('emulator/not-started', 'the emulator has no origin yet: call start() first or pass publicOrigin');
    return o;
  };
  return {
    host: options.host ?? '127.0.0.1',
    port,
    tls: options.tls,
    tsWindowSeconds,
    tokenTtlSeconds,
    authorizedKeys: options.authorizedKeys === undefined ? undefined : new Set([...options.authorizedKeys].map(normaliseAuthorizedKey)),
    apiKeys,
    basic: options.basic,
    catalogue: options.models ?? defaultCatalogue(),
    cloudModels: options.cloudModels ?? defaultCloudModels(),
    faults: { staleTs: options.faults?.staleTs ?? false, unknownKey: options.faults?.unknownKey ?? false, denyScopes: options.faults?.denyScopes ?? [] },
    nonces: new NonceLedger(),
    verifiedTokens: new VerifiedTokens(),
    nowMs: now,
    nowSeconds: () => Math.floor(now() / 1000),
    origin,
    realm: () => `${origin()}/v2/token`,
    service: () => goParseUrl(origin()).host,
  };
}
