/**
 * Matching a request to a recorded entry (the engine's by-request index; cassette-engine.ts is the rest):
 * method, origin, path, query (ts only has to be present and numeric, nonce only has to have Ollama's
 * shape), the kind of Authorization (none, a `<pubkey>:<signature>` pair in raw or Bearer form, the very
 * token the cassette handed out, an API key, Basic), and the body. Entries are used in order, each once,
 * so the 401 and the retried 200 of the same URL stay apart.
 *
 * A request with no match fails with CassetteMissError, which names the cassette, shows the request
 * (credentials reduced to their shape), the closest recorded request and each field that differed.
 */
import { OacError } from '../errors.js';
import { AUTHORIZATION_SHAPE } from '../protocol/authorization.js';
import { isNonceShape } from '../protocol/nonce.js';
import { credentialShape } from '../redaction/index.js';
import { CassetteError, headerValues, type CassetteEntry } from './har.js';
import type { LoadedCassette } from './cassette-engine.js';
import { parsePlaceholder } from './placeholders.js';
import { queryPairs, Redactor } from './redact.js';

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

/** A request as it went on the wire, whoever intercepted it. */
export interface SentRequest {
  method: string;
  /** The exact URL on the wire (scheme, Host as sent, target as sent). */
  url: string;
  authorization: string | undefined;
  body: string;
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

/** Shape-only redaction (nothing learned): signature pairs, public keys and nonces become placeholders. */
export const shapeRedactor = new Redactor({}, 'token');

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

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
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

function sentComparable(req: SentRequest): Comparable {
  const { origin, path } = splitUrl(req.url);
  return {
    method: req.method.toUpperCase(),
    origin,
    path,
    query: maskedQuery(req.url),
    authorization: req.authorization,
    body: req.body,
    display: `${req.method.toUpperCase()} ${shapeRedactor.redactText(req.url)}`,
  };
}

/** The by-request index of one cassette: each request answered by the first unused matching entry. */
export class RequestMatcher {
  private readonly entries: CassetteEntry[];
  private readonly recorded: Comparable[];
  private readonly used: boolean[];
  private ordinal = 0;
  /** Every request that had no match, in order (a caller may have caught the error itself). */
  readonly misses: CassetteMissError[] = [];

  constructor(private readonly loaded: LoadedCassette) {
    this.entries = loaded.cassette.log.entries;
    this.recorded = this.entries.map(recordedComparable);
    this.used = this.entries.map(() => false);
  }

  /** The entry that answers `req`; throws (and remembers) CassetteMissError when none does. */
  match(req: SentRequest): CassetteEntry {
    this.ordinal += 1;
    const sent = sentComparable(req);
    const diffs = this.recorded.map((r) => differences(r, sent));
    const hit = diffs.findIndex((d, i) => d.length === 0 && !this.used[i]);
    if (hit !== -1) {
      this.used[hit] = true;
      return this.entries[hit]!;
    }
    const alreadyUsed = diffs.findIndex((d) => d.length === 0);
    const miss = new CassetteMissError(this.loaded.label, this.loaded.file, sent.display, this.ordinal, this.closest(diffs), alreadyUsed === -1 ? undefined : alreadyUsed + 1);
    this.misses.push(miss);
    throw miss;
  }

  /** The entry with the fewest differing fields (an unused one on a tie). */
  private closest(diffs: FieldDifference[][]): CassetteMissError['closest'] {
    let best = -1;
    diffs.forEach((d, i) => {
      if (d.length === 0) return;
      if (best === -1 || d.length < diffs[best]!.length || (d.length === diffs[best]!.length && this.used[best] && !this.used[i])) best = i;
    });
    if (best === -1) return undefined;
    const entry = this.entries[best]!;
    return { entry: best + 1, role: `${entry._oac.role}, step ${entry._oac.step}`, request: this.recorded[best]!.display, differences: diffs[best]! };
  }

  /** Fails when some recorded entry was never asked for. */
  assertAllUsed(): void {
    const unused = this.used.flatMap((u, i) => (u ? [] : [`entry ${i + 1} (${this.entries[i]!._oac.role}) ${this.recorded[i]!.display}`]));
    if (unused.length > 0) throw new CassetteError('cassette/unused', `cassette ${this.loaded.label} (${this.loaded.file}): the client never sent ${unused.join('; ')}`);
  }
}
