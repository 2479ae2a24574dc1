/**
 * URLs and request targets: the password of a `user:pass@` authority, and query values whose name says
 * they are credentials (`api_key=…`, `token=…`, a probe's key-in-query variant).
 */
import { REDACTED, lengthShape } from './vocabulary.js';

/** `scheme://user:password@`: the password part (the user name stays, it names who, not how). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@?#]*):[^\s/@?#]*@/gi;

/** Query parameter names whose values are credentials. */
const CREDENTIAL_PARAMETER = /(auth|token|key|secret|passw|cookie|session|signature|credential)/i;

/** Every `scheme://user:password@` in `text` with the password replaced by `<redacted>`. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`);
}

/** A request target (or URL) with credential-named query values reduced by `shape` (default: their length). */
export function redactQuery(target: string, shape: (value: string) => string = lengthShape): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const query = target
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      return CREDENTIAL_PARAMETER.test(name) ? `${name}=${shape(pair.slice(eq + 1))}` : pair;
    })
    .join('&');
  return `${target.slice(0, q)}?${query}`;
}

/** A URL as a message may show it: no password in its authority, no credential in its query. */
export function redactUrl(url: string): string {
  return redactQuery(redactUrlPasswords(url), () => REDACTED);
}

/** Every `//user:password@` authority in `text` with the whole userinfo replaced (`//<redacted>@`): for input that was rejected, where even the user name may be a secret typed in the wrong place. */
export function redactUserinfo(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, `//${REDACTED}@`);
}
