/**
 * The emulator's request log: one event per request, with the findings of every protocol check it ran,
 * so the conformance server and tests can assert on what a client actually sent. Secrets never enter
 * it: credentials are reduced to their shape.
 */
import type { Finding } from '../rules/findings.js';

/**
 * One request a server of ours received and what it answered: the part the emulator's log and the
 * conformance server's observations (src/conformance/types.ts Observation) have in common.
 */
export interface RequestRecord {
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

/** The emulator's log entry: a request record stamped with the emulator's clock. */
export interface EmulatorEvent extends RequestRecord {
  /** ISO time from the emulator's clock (`now()`). */
  at: string;
}

/** Credentials in a request log are reduced to their shape by the one redaction module. */
export { redactHeaders } from '../redaction/index.js';
