/**
 * Headers: which ones carry credentials, and a header map with those values reduced to a shape. Names
 * keep their spelling; repeated headers keep their list form.
 */
import { credentialShape } from './credentials.js';
import { REDACTED } from './vocabulary.js';

/** Header names whose values are credentials, whatever they hold. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
/** Names that look like a credential's (`X-API-Key`, `X-Auth-Token`, `X-Session`, …). */
const CREDENTIAL_HEADER_NAME = /(auth|token|key|secret|passw|cookie|session|signature|credential)/i;
/** Headers that match the pattern yet never carry a secret (a challenge names a realm, not a key). */
const NOT_CREDENTIALS = new Set(['www-authenticate', 'proxy-authenticate', 'authentication-info']);

export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (NOT_CREDENTIALS.has(lower)) return false;
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_HEADER_NAME.test(lower);
}

type HeaderValue = string | readonly string[] | number | undefined;

/**
 * The headers with every credential value reduced by `shape` (default: per-run lengths). Undefined
 * values are dropped, numbers become text, lists stay lists.
 */
export function redactHeaders(headers: Readonly<Record<string, HeaderValue>>, shape: (value: string) => string = credentialShape): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const secret = isCredentialHeader(name);
    const show = (v: string): string => (secret ? shape(v) : v);
    out[name] = Array.isArray(value) ? value.map((v) => show(String(v))) : show(String(value));
  }
  return out;
}

/** Lower-cased names, repeated headers joined by ", " (what a one-line request log prints). */
export function flattenHeaders(headers: Readonly<Record<string, string | readonly string[]>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  return out;
}

/**
 * Header values quoted in a message (`authorization: "Bearer abc"`, `"cookie":"a=b"`): the value goes,
 * the scheme word stays. For text whose structure is unknown, such as a library's error message.
 */
export function redactHeaderValuesInText(text: string): string {
  return text.replace(/((?:authorization|proxy-authorization|cookie)"?\s*[:=]\s*"?)((?:bearer|basic)\s+)?[^"\s,}]+/gi, `$1$2${REDACTED}`);
}
