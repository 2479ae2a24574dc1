/**
 * What local-ollama's request log keeps of credentials: their shape, never a byte of them (the rules live
 * in src/redaction). A probe sends real (test) credentials in every variant it tries, in headers and, on
 * purpose, in the query string; the log and the terminal line show that something was sent and how long
 * it was: `Basic <12 chars>`, `api_key=<64 chars>`.
 */
import { credentialValueShape, flattenHeaders, redactHeaders as redactHeaderMap, redactQuery } from '../redaction/index.js';

/** Lower-cased header map with credential values replaced by their shape; repeated headers joined by ", ". */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  return flattenHeaders(redactHeaderMap(headers, credentialValueShape));
}

/** The request target with credential-like query values (`api_key=…`, `token=…`) replaced by their length. */
export function redactTarget(target: string): string {
  return redactQuery(target);
}
