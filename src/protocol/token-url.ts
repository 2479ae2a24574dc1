/**
 * The registry token URL: `registryChallenge.URL()` in ollama/ollama server/auth.go@fb30760.
 * realm's own query kept, then `service`, one `scope` per space-separated scope, `ts`, `nonce`,
 * all re-encoded by `url.Values.Encode()` (keys sorted, form-escaped).
 */
import { ProtocolError } from '../errors.js';
import { compareGoStrings, goAdd, goEncodeValues, goParseQuery, goParseUrl, goUrlString, type GoUrl } from './go-url.js';
import { isNonceShape } from './nonce.js';

export interface TokenUrlInput {
  realm: string;
  /** Added even when empty, as Ollama does (`service=`). */
  service: string;
  /** Space-separated scopes; an empty scope still adds one `scope=`. */
  scope: string;
  /** Unix seconds. */
  ts: number | string;
  nonce: string;
}

export function buildTokenUrl(input: TokenUrlInput): string {
  const url = goParseUrl(input.realm);
  const { values } = goParseQuery(url.rawQuery);
  goAdd(values, 'service', input.service);
  for (const scope of input.scope.split(' ')) goAdd(values, 'scope', scope);
  goAdd(values, 'ts', String(input.ts));
  goAdd(values, 'nonce', input.nonce);
  return goUrlString({ ...url, rawQuery: goEncodeValues(values), hasQuery: true });
}

/** Go's `URL.Host` of a URL string, exactly as written (the realm-host check compares these). */
export function urlHost(raw: string): string {
  return goParseUrl(raw).host;
}

export interface ParsedTokenUrl {
  url: GoUrl;
  service: string[];
  scopes: string[];
  ts: string[];
  nonce: string[];
  /** Query keys that are not service/scope/ts/nonce (realm-supplied ones are expected here). */
  other: Map<string, string[]>;
}

export function parseTokenUrl(raw: string): ParsedTokenUrl {
  const url = goParseUrl(raw);
  const { values } = goParseQuery(url.rawQuery);
  const take = (key: string): string[] => {
    const list = values.get(key) ?? [];
    values.delete(key);
    return list;
  };
  return { url, service: take('service'), scopes: take('scope'), ts: take('ts'), nonce: take('nonce'), other: values };
}

export interface TokenUrlExpectations {
  /** The realm the server advertised (its own query must survive). */
  realm: string;
  service?: string;
  /** The scope string from the challenge. */
  scope?: string;
}

/** One aspect of a received token URL: whether it is right, what was expected, what was seen. */
interface TokenUrlField {
  ok: boolean;
  expected: string | undefined;
  actual: string | undefined;
}

/** A received token URL, field by field; the rules (src/rules/client/token-url.ts) name the checks. */
export type TokenUrlInspection =
  | { parseable: false; error: string }
  | {
    parseable: true;
    /** Host and path are the realm's. */
    realm: TokenUrlField;
    /** The realm's own query parameters survived. */
    realmQuery: TokenUrlField;
    /** Exactly one service equal to the challenge's (only when one was expected). */
    service: TokenUrlField | undefined;
    /** One scope per space-separated challenge scope, in order (only when one was expected). */
    scope: TokenUrlField | undefined;
    ts: TokenUrlField;
    nonce: TokenUrlField;
    /** Query keys sorted as url.Values.Encode() sorts them. */
    order: TokenUrlField;
    /** Values form-escaped as Go's url.QueryEscape escapes them. */
    escaping: TokenUrlField;
  };

function field(ok: boolean, expected: string | undefined, actual: string | undefined): TokenUrlField {
  return { ok, expected, actual };
}

/**
 * Server side: inspect a received token-request URL (absolute, as the client signed it) against the
 * challenge it answers. Never throws on client mistakes: an unparseable URL is a result too.
 */
export function inspectTokenUrl(received: string, expect: TokenUrlExpectations): TokenUrlInspection {
  let parsed: ParsedTokenUrl;
  try {
    parsed = parseTokenUrl(received);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { parseable: false, error: err.message };
  }
  const realm = goParseUrl(expect.realm);
  const realmQuery = goParseQuery(realm.rawQuery).values;
  const missing = [...realmQuery.entries()].filter(([k, v]) => JSON.stringify(parsed.other.get(k)) !== JSON.stringify(v));
  const wantedScopes = expect.scope?.split(' ');
  const { ts, nonce } = parsed;
  // Order and escaping are judged apart so a client is told which of the two it got wrong.
  const rawPairs = parsed.url.rawQuery.split('&');
  const rawKeys = rawPairs.map((p) => p.split('=')[0]!);
  const sorted = rawKeys.every((k, i) => i === 0 || compareGoStrings(rawKeys[i - 1]!, k) <= 0);
  const badlyEscaped = rawPairs.filter((pair) => {
    const reencoded = goEncodeValues(goParseQuery(pair).values);
    return reencoded !== pair && !(reencoded === '' && pair === '');
  });
  return {
    parseable: true,
    realm: field(parsed.url.host === realm.host && parsed.url.path === realm.path, `${realm.host}${realm.path}`, `${parsed.url.host}${parsed.url.path}`),
    realmQuery: field(missing.length === 0, goEncodeValues(realmQuery), goEncodeValues(parsed.other)),
    service: expect.service === undefined ? undefined
      : field(parsed.service.length === 1 && parsed.service[0] === expect.service, JSON.stringify([expect.service]), JSON.stringify(parsed.service)),
    scope: wantedScopes === undefined ? undefined
      : field(JSON.stringify(parsed.scopes) === JSON.stringify(wantedScopes), JSON.stringify(wantedScopes), JSON.stringify(parsed.scopes)),
    ts: field(ts.length === 1 && /^-?\d+$/.test(ts[0]!), 'ts=<unix seconds>', ts.length ? ts.map((t) => `ts=${t}`).join('&') : '(none)'),
    nonce: field(nonce.length === 1 && isNonceShape(nonce[0]!), 'nonce=<22 base64url chars>', nonce.length ? nonce.map((n) => `nonce=${n}`).join('&') : '(none)'),
    order: field(sorted, rawKeys.slice().sort(compareGoStrings).join(','), rawKeys.join(',')),
    escaping: field(badlyEscaped.length === 0,
      badlyEscaped.map((p) => goEncodeValues(goParseQuery(p).values)).join('&') || undefined, badlyEscaped.join('&') || undefined),
  };
}
