/**
 * What the request log keeps of credentials: their shape, never a byte of them. A probe sends real
 * (test) credentials in every variant it tries, in headers and, on purpose, in the query string; the log
 * and the terminal line must show that something was sent and how long it was, nothing more.
 */

/** Header names whose values are credentials (exact) or look like ones (pattern). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const CREDENTIAL_NAME = /(auth|token|key|secret|passw|cookie|session|signature|credential)/i;

/** Scheme words that are safe to keep: registered or common HTTP auth schemes, never part of a secret. */
const KNOWN_SCHEMES = new Set(['basic', 'bearer', 'digest', 'token', 'apikey', 'api-key', 'negotiate', 'ntlm', 'hoba', 'mutual', 'vapid', 'scram-sha-1', 'scram-sha-256', 'aws4-hmac-sha256', 'dpop', 'gnap', 'privatetoken', 'concealed']);

/** `Basic <12 chars>`, `Bearer <40 chars>`, `Digest <96 chars>`; an unknown first word is not kept. */
export function credentialValueShape(value: string): string {
  const m = /^(\S+)(\s+)([\s\S]*)$/.exec(value);
  if (m && KNOWN_SCHEMES.has(m[1]!.toLowerCase())) return `${m[1]} <${m[3]!.length} chars>`;
  return `<${value.length} chars>`;
}

export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_NAME.test(lower);
}

/** Lower-cased header map with credential values replaced by their shape; repeated headers joined by ", ". */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const lower = name.toLowerCase();
    out[lower] = isCredentialHeader(lower) ? values.map(credentialValueShape).join(', ') : values.join(', ');
  }
  return out;
}

/** The request target with credential-like query values (`api_key=…`, `token=…`) replaced by their length. */
export function redactTarget(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const query = target
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      return CREDENTIAL_NAME.test(name) ? `${name}=<${pair.length - eq - 1} chars>` : pair;
    })
    .join('&');
  return `${target.slice(0, q)}?${query}`;
}
