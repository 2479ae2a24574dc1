/**
 * Marks each HAR entry with its role in the flow (`_oac: {role, step}`), so the conformance server can
 * replay a cassette with fresh values without re-deriving the flow:
 *
 *   challenge  a request answered 401 with a WWW-Authenticate challenge
 *   token      a request to the realm a challenge named (the signed token request)
 *   retry      the challenged request sent again (with the token)
 *   redirect   any 3xx answer
 *   resource   everything else (a direct, API-key or Basic request; a resource served without a challenge)
 */
import { ProtocolError } from '../errors.js';
import { parseBearerChallenge } from '../protocol/challenge.js';
import { headerValues, type EntryRole, type NameValue } from './har.js';

interface EntryView {
  request: { method: string; url: string };
  response: { status: number; headers: NameValue[] };
}

/** `scheme://host/path` of a URL (query and fragment dropped), compared as written. */
function withoutQuery(url: string): string {
  return url.split('#')[0]!.split('?')[0]!;
}

export function classifyEntries(entries: readonly EntryView[]): EntryRole[] {
  const realms = new Set<string>();
  const challenged = new Map<string, number>();
  return entries.map((entry) => {
    const key = `${entry.request.method} ${entry.request.url}`;
    const status = entry.response.status;
    if (status >= 300 && status < 400) return 'redirect';
    if (realms.has(withoutQuery(entry.request.url))) return 'token';
    const challenges = headerValues(entry.response.headers, 'www-authenticate');
    if (status === 401 && challenges.length > 0) {
      try {
        realms.add(withoutQuery(parseBearerChallenge(challenges).realm));
      } catch (err) {
        // A non-Bearer (or malformed) challenge names no realm; the entry is still a challenge.
        if (!(err instanceof ProtocolError)) throw err;
      }
      challenged.set(key, (challenged.get(key) ?? 0) + 1);
      return 'challenge';
    }
    const pending = challenged.get(key) ?? 0;
    if (pending > 0) {
      challenged.set(key, pending - 1);
      return 'retry';
    }
    return 'resource';
  });
}
