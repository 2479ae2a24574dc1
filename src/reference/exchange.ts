/**
 * A record of what the reference client sent and got back, for explaining a flow to a user without
 * leaking a credential: header values that authenticate are reduced to their shape.
 */
import { AUTHORIZATION_SHAPE } from '../protocol/authorization.js';

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

const SECRET_HEADERS = new Set(['cookie', 'proxy-authorization']);

/** `<pubkey>:<signature>`, `Bearer <pubkey>:<signature>`, `Bearer <token: 40 chars>`, `Basic <credentials: 12 chars>`. */
export function describeAuthorization(value: string): string {
  if (AUTHORIZATION_SHAPE.test(value)) return '<pubkey>:<signature>';
  const bearer = /^Bearer (.*)$/s.exec(value);
  if (bearer) {
    const rest = bearer[1]!;
    return AUTHORIZATION_SHAPE.test(rest) ? 'Bearer <pubkey>:<signature>' : `Bearer <token: ${rest.length} chars>`;
  }
  const basic = /^Basic (.*)$/s.exec(value);
  if (basic) return `Basic <credentials: ${basic[1]!.length} chars>`;
  return `<${value.length} chars>`;
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') out[name] = describeAuthorization(value);
    else if (SECRET_HEADERS.has(lower)) out[name] = `<${value.length} chars>`;
    else out[name] = value;
  }
  return out;
}
