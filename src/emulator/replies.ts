/**
 * What a route handler returns: a whole response plus the findings that led to it. Handlers never touch
 * the socket, so each one is a plain function of the request and the emulator's state. (The conformance
 * server turns a Reply into its own wire form, OutgoingResponse, which a scenario's mutation may edit.)
 */
import type { Finding } from '../rules/findings.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** Sent as is (undefined: no body). */
  body?: string | Uint8Array;
  /** NDJSON streaming: each element is written (and flushed) as its own chunk; excludes `body`. */
  chunks?: string[];
  /** Protocol checks run on this request, ok or not. */
  findings: Finding[];
  /** `<check id>: <message>`, sent as `X-Oac-Reason` when set. */
  reason?: string;
}

/**
 * Our own diagnostic header: why the emulator refused (or challenged) a request, as
 * `<check id>: <one-line message>`. Real Ollama sends nothing like it; clients must not depend on it.
 */
export const REASON_HEADER = 'X-Oac-Reason';

export const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonReply(status: number, value: unknown, findings: Finding[] = [], headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(value), findings };
}

/** Ollama's error shape: `{"error": "..."}` plus optional extra fields (`signin_url`). */
export function ollamaErrorReply(status: number, error: string, findings: Finding[] = [], extra: Record<string, string> = {}, headers: Record<string, string> = {}): Reply {
  return jsonReply(status, { error, ...extra }, findings, headers);
}

/** OCI distribution-spec error shape: `{"errors":[{"code","message"}]}`. */
export function ociErrorReply(status: number, code: string, message: string, findings: Finding[] = [], headers: Record<string, string> = {}): Reply {
  return jsonReply(status, { errors: [{ code, message }] }, findings, headers);
}

export function emptyReply(status: number, findings: Finding[] = [], headers: Record<string, string> = {}): Reply {
  return { status, headers, findings };
}

function firstFailure(findings: readonly Finding[]): Finding | undefined {
  return findings.find((f) => !f.ok);
}

/** `<check id>: <message>`, plus `(expected …; got …)` when the finding has them. */
export function reasonOf(finding: Finding): string {
  const detail = [
    finding.expected === undefined ? undefined : `expected ${finding.expected}`,
    finding.actual === undefined ? undefined : `got ${finding.actual}`,
  ].filter((d) => d !== undefined);
  return `${finding.id}: ${finding.message}${detail.length ? ` (${detail.join('; ')})` : ''}`;
}

/** Sets `reason` from the first failing finding, if any (findings are pushed in the order checks matter). */
export function withReason(reply: Reply, reason?: string): Reply {
  const failing = firstFailure(reply.findings);
  const chosen = reason ?? (failing ? reasonOf(failing) : undefined);
  return chosen === undefined ? reply : { ...reply, reason: chosen };
}

/**
 * Header values must be latin1 without control characters (Node throws otherwise); findings quote
 * client input and use "…". Keep it to printable ASCII, escape the rest, and bound the length.
 */
export function headerSafe(text: string, max = 1024): string {
  const ascii = text
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return ascii.length > max ? `${ascii.slice(0, max - 3)}...` : ascii;
}
