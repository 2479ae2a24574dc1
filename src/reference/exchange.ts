/**
 * A record of what the reference client sent and got back, for explaining a flow to a user without
 * leaking a credential: header values that authenticate are reduced to named parts (src/redaction).
 */
import { describeAuthorization, redactHeaders as redactHeaderMap } from '../redaction/index.js';

export interface Exchange {
  /** `resource` (first request), `token` (token endpoint), `retry` (resource again with the token), `request` (single-shot flows). */
  step: 'resource' | 'token' | 'retry' | 'request';
  method: string;
  url: string;
  /** undefined when no response arrived (the error says why). */
  status: number | undefined;
  /** Header names as sent; credential values redacted to their shape. */
  sentHeaders: Record<string, string>;
  redirects: string[];
}

/** Moved to src/redaction (credentials.ts); re-exported for the reference client's public API. */

/** The headers as the exchange log shows them: `<pubkey>:<signature>`, `Bearer <token: 40 chars>`, `Basic <credentials: 12 chars>`. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return redactHeaderMap(headers, describeAuthorization) as Record<string, string>;
}
