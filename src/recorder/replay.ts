/**
 * In-process replay for TypeScript users: `withCassette('registry/pull-manifest', async () => …)` runs the
 * callback with node:http(s) and fetch intercepted by Polly.js in replay mode (recordIfMissing false), so
 * every request is answered from the cassette and nothing reaches the network.
 *
 * Requests are matched by this module, not by Polly's hash ids: method, origin, path, query (ts only has
 * to be present and numeric, nonce only has to have Ollama's shape), the kind of Authorization (none, a
 * `<pubkey>:<signature>` pair in raw or Bearer form, the very token the cassette handed out, an API key,
 * Basic), and the body. Entries are used in order, each once, so the 401 and the retried 200 of the same
 * URL stay apart.
 *
 * A request with no match fails with CassetteMissError, which names the cassette, shows the request
 * (credentials reduced to their shape), the closest recorded request and each field that differed. It
 * replaces Polly's own miss error, which prints the Authorization header verbatim.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { OacError } from '../errors.js';
import { AUTHORIZATION_SHAPE, credentialShape } from '../protocol/authorization.js';
import { isNonceShape } from '../protocol/nonce.js';
import { validate } from '../specs/validate.js';
import { CassetteError, headerValues, parseCassette, readCassetteText, type Cassette, type CassetteEntry } from './har.js';
import { parsePlaceholder } from './placeholders.js';
import { startReplayPolly, wireUrl, type PollyRequest } from './polly.js';
import { packageRoot } from './provenance.js';
import { queryPairs, Redactor } from './redact.js';
import { displayPath } from './record.js';

export interface ReplayOptions {
  /** Where cassette names are resolved (default: the installed package's recordings/). */
  recordingsDir?: string;
  /** After provenance `expiresAt`: `warn` (default), `error`, or `ignore`. */
  expiry?: 'warn' | 'error' | 'ignore';
  /** Receives warnings (default: process.emitWarning). */
  onWarning?: (message: string) => void;
  /** Clock in ms for the expiry check (default Date.now). */
  now?: () => number;
  /** Fail when the callback finishes without using every recorded entry. Default false. */
  requireAllUsed?: boolean;
}

export const MATCH_FIELDS = ['method', 'origin', 'path', 'query', 'authorization', 'body'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface FieldDifference {
  field: MatchField;
  recorded: string;
  sent: string;
}

export class CassetteMissError extends OacError {
  readonly cassette: string;
  readonly request: string;
  readonly closest: { entry: number; role: string; request: string; differences: FieldDifference[] } | undefined;
  constructor(cassette: string, file: string, request: string, ordinal: number, closest: CassetteMissError['closest'], alreadyUsed: number | undefined) {
    const lines = [`cassette ${cassette} (${file}) has no recorded request matching ${request} (request ${ordinal} of this replay)`];
    if (alreadyUsed !== undefined) {
      lines.push(`  entry ${alreadyUsed} matches it but was already used: the client sent this request more often than the recording did`);
    }
    if (closest !== undefined) {
      lines.push(`  closest recorded request: entry ${closest.entry} (${closest.role}) ${closest.request}`);
      for (const d of closest.differences) lines.push(`  differs in ${d.field}: recorded ${d.recorded}, sent ${d.sent}`);
    }
    super('cassette/no-match', lines.join('\n'));
    this.cassette = cassette;
    this.request = request;
    this.closest = closest;
  }
}

interface Comparable {
  method: string;
  origin: string;
  path: string;
  query: string;
  /** Raw value (recorded: with placeholders; sent: the real credential, never shown as is). */
  authorization: string | undefined;
  body: string;
  /** For messages. */
  display: string;
}

function splitUrl(url: string): { origin: string; path: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)/i.exec(url);
  if (!m) return { origin: '', path: url.split('?')[0]! };
  return { origin: m[1]!.toLowerCase(), path: m[2] === '' ? '/' : m[2]! };
}

/** Query pairs in order, `ts` reduced to "digits", `nonce` to "nonce-shaped" (placeholders count as both). */
function maskedQuery(url: string): string {
  return queryPairs(url).map(([k, v]) => {
    if (k === 'ts') return `ts=${/^\d+$/.test(v) ? '<unix seconds>' : JSON.stringify(v)}`;
    if (k === 'nonce') return `nonce=${isNonceShape(v) || parsePlaceholder(v)?.kind === 'nonce' ? '<nonce>' : JSON.stringify(v)}`;
    return `${k}=${JSON.stringify(v)}`;
  }).join('&');
}

const shapeRedactor = new Redactor({}, 'token');

/** A credential for a message: placeholders as they are, anything else reduced to its shape. */
function describeAuthorization(value: string | undefined): string {
  if (value === undefined) return '(none)';
  const rest = value.replace(/^(bearer|basic)\s+/i, '');
  if (parsePlaceholder(rest) !== undefined || /^<pubkey:[^>]*>:<signature:[^>]*>$/.test(rest)) return JSON.stringify(value);
  return JSON.stringify(credentialShape(value));
}

function authorizationMatches(recorded: string | undefined, sent: string | undefined): boolean {
  if (recorded === undefined || sent === undefined) return recorded === sent;
  const bearer = /^bearer\s+/i;
  const recordedBearer = bearer.test(recorded);
  const recordedRest = recorded.replace(bearer, '').replace(/^basic\s+/i, '');
  if (/^<pubkey:[^>]*>:<signature:[^>]*>$/.test(recordedRest)) {
    // A signature is verified by a server, not matched: here only its form counts (raw vs Bearer).
    return recordedBearer ? bearer.test(sent) && AUTHORIZATION_SHAPE.test(sent.replace(bearer, '')) : AUTHORIZATION_SHAPE.test(sent);
  }
  const p = parsePlaceholder(recordedRest);
  if (p?.kind === 'apikey') return recordedBearer && /^bearer\s+[^\s:]+$/i.test(sent);
  if (p?.kind === 'basic') return /^basic\s+\S+$/i.test(sent);
  // Tokens (and anything else): the client must send back exactly what the cassette gave it.
  return recorded === sent;
}

function bodiesMatch(recorded: string, sent: string): boolean {
  if (recorded === sent) return true;
  try {
    return JSON.stringify(canonical(JSON.parse(recorded))) === JSON.stringify(canonical(JSON.parse(sent)));
  } catch (err) {
    // Not both JSON: only identical text matches, which was checked above.
    if (err instanceof SyntaxError) return false;
    throw err;
  }
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

function short(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

function differences(recorded: Comparable, sent: Comparable): FieldDifference[] {
  const out: FieldDifference[] = [];
  if (recorded.method !== sent.method) out.push({ field: 'method', recorded: recorded.method, sent: sent.method });
  if (recorded.origin !== sent.origin) out.push({ field: 'origin', recorded: recorded.origin, sent: sent.origin });
  if (recorded.path !== sent.path) out.push({ field: 'path', recorded: recorded.path, sent: sent.path });
  if (recorded.query !== sent.query) out.push({ field: 'query', recorded: JSON.stringify(recorded.query), sent: JSON.stringify(shapeRedactor.redactText(sent.query)) });
  if (!authorizationMatches(recorded.authorization, sent.authorization)) {
    out.push({ field: 'authorization', recorded: describeAuthorization(recorded.authorization), sent: describeAuthorization(sent.authorization) });
  }
  if (!bodiesMatch(recorded.body, sent.body)) {
    out.push({ field: 'body', recorded: JSON.stringify(short(recorded.body)), sent: JSON.stringify(short(shapeRedactor.redactText(sent.body))) });
  }
  return out;
}

function recordedComparable(entry: CassetteEntry): Comparable {
  const { origin, path } = splitUrl(entry.request.url);
  return {
    method: entry.request.method.toUpperCase(),
    origin,
    path,
    query: maskedQuery(entry.request.url),
    authorization: headerValues(entry.request.headers, 'authorization')[0],
    body: entry.request.postData?.text ?? '',
    display: `${entry.request.method} ${entry.request.url}`,
  };
}

function sentComparable(req: PollyRequest): Comparable {
  const url = wireUrl(req);
  const { origin, path } = splitUrl(url);
  const auth = req.getHeader('authorization');
  const body = req.body;
  return {
    method: req.method.toUpperCase(),
    origin,
    path,
    query: maskedQuery(url),
    authorization: Array.isArray(auth) ? auth[0] : auth ?? undefined,
    body: typeof body === 'string' ? body : body === undefined || body === null ? '' : Buffer.isBuffer(body) ? (body as Buffer).toString('utf8') : String(body),
    display: `${req.method.toUpperCase()} ${shapeRedactor.redactText(url)}`,
  };
}

/** The cassette file a name refers to: `registry/pull-manifest`, `registry/pull-manifest.har`, or a path. */
export function resolveCassettePath(name: string, recordingsDir?: string): string {
  const dir = recordingsDir ?? join(packageRoot(), 'recordings');
  const file = name.endsWith('.har') ? name : `${name}.har`;
  if (isAbsolute(file)) return file;
  if ((file.startsWith('./') || file.startsWith('../')) && existsSync(resolve(file))) return resolve(file);
  return join(dir, file);
}

function listCassettes(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names;
    try {
      names = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      // No recordings directory: the error message then lists none.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of names) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.har')) out.push(relative(dir, join(d, e.name)).replace(/\.har$/, ''));
    }
  };
  walk(dir);
  return out.sort();
}

/** Reads and checks a cassette for replay (structure and provenance schema). */
export function loadCassette(name: string, recordingsDir?: string): { cassette: Cassette; path: string } {
  const path = resolveCassettePath(name, recordingsDir);
  const text = readCassetteText(path);
  if (text === undefined) {
    const dir = recordingsDir ?? join(packageRoot(), 'recordings');
    const available = listCassettes(dir);
    throw new CassetteError('cassette/not-found',
      `no cassette ${JSON.stringify(name)}: ${displayPath(path)} does not exist (available: ${available.length ? available.join(', ') : 'none'})`);
  }
  const cassette = parseCassette(text, displayPath(path));
  const result = validate('cassette-provenance', cassette.log._oac);
  if (!result.ok) {
    const first = result.errors[0]!;
    throw new CassetteError('cassette/invalid-provenance', `cassette ${displayPath(path)}: /log/_oac${first.path}: ${first.message}`);
  }
  return { cassette, path };
}

/** Errors from inside Polly can quote a request verbatim: keep their text, minus any credential. */
export function scrubMessage(text: string): string {
  return shapeRedactor.redactText(text)
    .replace(/((?:authorization|proxy-authorization|cookie)"?\s*[:=]\s*"?)((?:bearer|basic)\s+)?[^"\s,}]+/gi, '$1$2<redacted>');
}

function pollyFailure(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && (message.includes('[Polly]') || (e as { name?: unknown }).name === 'PollyError')) return message;
  }
  return undefined;
}

/**
 * Run `fn` against the cassette `name`. Resolves with `fn`'s result; rejects with CassetteMissError for the
 * first request the cassette could not answer (even when `fn` caught the resulting error itself).
 */
export async function withCassette<T>(name: string, fn: () => Promise<T>, options: ReplayOptions = {}): Promise<T> {
  const { cassette, path } = loadCassette(name, options.recordingsDir);
  const file = displayPath(path);
  const label = name.replace(/\.har$/, '');
  const provenance = cassette.log._oac;
  const now = (options.now ?? Date.now)();
  if (options.expiry !== 'ignore' && now > Date.parse(provenance.expiresAt)) {
    const message = `cassette ${label} (${file}) expired on ${provenance.expiresAt} (recorded ${provenance.recordedAt}, origin ${provenance.origin}): the service may have changed since; re-record it with oac record`;
    if (options.expiry === 'error') throw new CassetteError('cassette/expired', message);
    (options.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'OAC_CASSETTE_EXPIRED' })))(message);
  }

  const entries = cassette.log.entries;
  const recorded = entries.map(recordedComparable);
  const used = entries.map(() => false);
  const misses: CassetteMissError[] = [];
  let ordinal = 0;

  const matcher = (req: PollyRequest): CassetteEntry => {
    ordinal += 1;
    const sent = sentComparable(req);
    const diffs = recorded.map((r) => differences(r, sent));
    const hit = diffs.findIndex((d, i) => d.length === 0 && !used[i]);
    if (hit !== -1) {
      used[hit] = true;
      return entries[hit]!;
    }
    const alreadyUsed = diffs.findIndex((d) => d.length === 0);
    let best = -1;
    diffs.forEach((d, i) => {
      if (d.length === 0) return;
      if (best === -1 || d.length < diffs[best]!.length || (d.length === diffs[best]!.length && used[best] && !used[i])) best = i;
    });
    const closest = best === -1 ? undefined : {
      entry: best + 1,
      role: `${entries[best]!._oac.role}, step ${entries[best]!._oac.step}`,
      request: recorded[best]!.display,
      differences: diffs[best]!,
    };
    const miss = new CassetteMissError(label, file, sent.display, ordinal, closest, alreadyUsed === -1 ? undefined : alreadyUsed + 1);
    misses.push(miss);
    throw miss;
  };

  const polly = startReplayPolly(`replay:${label}`, matcher);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await polly.stop();
    if (misses.length > 0) throw misses[0]!;
    const pollyMessage = pollyFailure(err);
    if (pollyMessage !== undefined) throw new CassetteError('cassette/polly', `replaying ${label}: ${scrubMessage(pollyMessage)}`);
    throw err;
  }
  await polly.stop();
  if (misses.length > 0) throw misses[0]!;
  if (options.requireAllUsed) {
    const unused = used.flatMap((u, i) => (u ? [] : [`entry ${i + 1} (${entries[i]!._oac.role}) ${recorded[i]!.display}`]));
    if (unused.length > 0) throw new CassetteError('cassette/unused', `cassette ${label} (${file}): the client never sent ${unused.join('; ')}`);
  }
  return result;
}
