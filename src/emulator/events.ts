import { credentialShape } from '../protocol/authorization.js';
/**
 * The emulator's request log: one event per request, with the findings of every protocol check it ran,
 * so the conformance server and tests can assert on what a client actually sent. Secrets never enter
 * it: credentials are reduced to their shape.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Finding } from '../protocol/findings.js';

export interface EmulatorEvent {
  /** ISO time from the emulator's clock (`now()`). */
  at: string;
  method: string;
  /** The request target as received (path and query). */
  url: string;
  /** Request headers, lower-cased names; credentials replaced by their shape. */
  headers: Record<string, string | string[]>;
  status: number;
  findings: Finding[];
  /** The `X-Oac-Reason` sent, if any. */
  reason?: string;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (CREDENTIAL_HEADERS.has(name)) {
      out[name] = Array.isArray(value) ? value.map(credentialShape) : credentialShape(value);
    } else {
      out[name] = value;
    }
  }
  return out;
}
