/**
 * The registry token URL: `registryChallenge.URL()` in ollama/ollama server/auth.go@fb30760.
 * realm's own query kept, then `service`, one `scope` per space-separated scope, `ts`, `nonce`,
 * all re-encoded by `url.Values.Encode()` (keys sorted, form-escaped).
 */
import { ProtocolError } from '../errors.js';
import { check, type Finding } from './findings.js';
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

/**
 * Server side: judge a received token-request URL (absolute, as the client signed it).
 * Returns one finding per rule, ok or not; never throws on client mistakes.
 */
export function checkTokenUrl(received: string, expect: TokenUrlExpectations): Finding[] {
  let parsed: ParsedTokenUrl;
  try {
    parsed = parseTokenUrl(received);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return [check('registry/token-url/parseable', false, `token URL does not parse: ${err.message}`, 'a URL', received)];
  }
  const findings: Finding[] = [];
  const realm = goParseUrl(expect.realm);
  const sameTarget = parsed.url.host === realm.host && parsed.url.path === realm.path;
  findings.push(check('registry/token-url/realm', sameTarget,
    'The token request goes to the realm from the challenge.',
    `${realm.host}${realm.path}`, `${parsed.url.host}${parsed.url.path}`));

  const realmQuery = goParseQuery(realm.rawQuery).values;
  const missing = [...realmQuery.entries()].filter(([k, v]) => JSON.stringify(parsed.other.get(k)) !== JSON.stringify(v));
  findings.push(check('registry/token-url/realm-query-kept', missing.length === 0,
    "The realm's own query parameters are kept in the token URL.",
    goEncodeValues(realmQuery), goEncodeValues(parsed.other)));

  if (expect.service !== undefined) {
    findings.push(check('registry/token-url/service', parsed.service.length === 1 && parsed.service[0] === expect.service,
      'The token URL carries exactly one service parameter equal to the challenge service.',
      JSON.stringify([expect.service]), JSON.stringify(parsed.service)));
  }
  if (expect.scope !== undefined) {
    const wanted = expect.scope.split(' ');
    findings.push(check('registry/token-url/scope-per-item', JSON.stringify(parsed.scopes) === JSON.stringify(wanted),
      'One scope parameter per space-separated scope of the challenge, in order.',
      JSON.stringify(wanted), JSON.stringify(parsed.scopes)));
  }
  const ts = parsed.ts;
  findings.push(check('registry/token-url/ts', ts.length === 1 && /^-?\d+$/.test(ts[0]!),
    'The token URL carries one ts parameter: unix seconds in decimal.', 'ts=<unix seconds>', ts.length ? ts.map((t) => `ts=${t}`).join('&') : '(none)'));
  const nonce = parsed.nonce;
  findings.push(check('registry/token-url/nonce-shape', nonce.length === 1 && isNonceShape(nonce[0]!),
    'The token URL carries one nonce: 16 random bytes, base64url without padding (22 chars).',
    'nonce=<22 base64url chars>', nonce.length ? nonce.map((n) => `nonce=${n}`).join('&') : '(none)'));

  // Order and escaping are judged apart so a client is told which of the two it got wrong.
  const rawPairs = parsed.url.rawQuery.split('&');
  const rawKeys = rawPairs.map((p) => p.split('=')[0]!);
  const sorted = rawKeys.every((k, i) => i === 0 || compareGoStrings(rawKeys[i - 1]!, k) <= 0);
  findings.push(check('registry/token-url/sorted-query', sorted,
    'Query keys are sorted ascending, as url.Values.Encode() sorts them.',
    rawKeys.slice().sort(compareGoStrings).join(','), rawKeys.join(',')));
  const badlyEscaped = rawPairs.filter((pair) => {
    const reencoded = goEncodeValues(goParseQuery(pair).values);
    return reencoded !== pair && !(reencoded === '' && pair === '');
  });
  findings.push(check('registry/token-url/form-escaping', badlyEscaped.length === 0,
    'Query values are form-escaped as Go url.QueryEscape does (":" → %3A, "/" → %2F, space → +).',
    badlyEscaped.map((p) => goEncodeValues(goParseQuery(p).values)).join('&') || undefined, badlyEscaped.join('&') || undefined));
  return findings;
}
