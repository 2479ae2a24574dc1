/**
 * Response shapes as Ollama's layers write them. The content types differ by layer and the probe compares
 * them exactly: gin's c.JSON and c.String add `; charset=utf-8`, gin's own 404/405 say `text/plain`, and
 * the OpenAI/Anthropic writers re-encode handler errors with json.Encoder (trailing newline) under a bare
 * `application/json`.
 */
import { randomBytes } from 'node:crypto';
import { goJson } from './go-json.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/** What a handler did with a request: its reply, and when it got past validation, what it would have done. */
export interface HandlerOutcome {
  reply: Reply;
  /** Non-null when the request passed validation and the handler acts (the catalogue's `acts`, instantiated). */
  acted: string | null;
  /** One line for the log when nothing was done: which check answered. */
  note: string;
}

const JSON_UTF8 = 'application/json; charset=utf-8';

/** gin c.JSON / AbortWithStatusJSON. */
export function ginJson(status: number, value: unknown): Reply {
  return { status, headers: { 'Content-Type': JSON_UTF8 }, body: goJson(value) };
}

/** gin c.String. */
export function ginText(status: number, text: string): Reply {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
}

/** gin c.Status(code) with nothing written (DeleteHandler, CopyHandler on success; AbortWithStatus). */
export function ginEmpty(status: number): Reply {
  return { status, headers: {}, body: '' };
}

/** `{"error": message}` the way native handlers answer. */
export function ollamaError(status: number, message: string): Reply {
  return ginJson(status, { error: message });
}

/** Streamed NDJSON (streamResponse): one JSON object per line. */
export function ndjson(lines: unknown[]): Reply {
  return { status: 200, headers: { 'Content-Type': 'application/x-ndjson' }, body: lines.map((l) => `${goJson(l)}\n`).join('') };
}

function openAiErrorType(status: number): string {
  return status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
}

export interface ErrorStyle {
  /** true: a middleware aborted (gin c.JSON); false: a handler error re-encoded by the compat writer. */
  fromMiddleware: boolean;
}

/** openai.NewError, written by a middleware abort or by the compat writer. */
export function openAiError(status: number, message: string, style: ErrorStyle): Reply {
  const value = { error: { message, type: openAiErrorType(status), param: null, code: null } };
  if (style.fromMiddleware) return ginJson(status, value);
  return { status, headers: { 'Content-Type': 'application/json' }, body: `${goJson(value)}\n` };
}

function anthropicErrorType(status: number): string {
  const types: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error', 503: 'overloaded_error', 529: 'overloaded_error' };
  return types[status] ?? 'api_error';
}

/** anthropic.NewError: a fresh `req_<24 hex>` id every time. */
export function anthropicError(status: number, message: string, style: ErrorStyle): Reply {
  const value = { type: 'error', error: { type: anthropicErrorType(status), message }, request_id: `req_${randomBytes(12).toString('hex')}` };
  if (style.fromMiddleware) return ginJson(status, value);
  return { status, headers: { 'Content-Type': 'application/json' }, body: `${goJson(value)}\n` };
}

export function rejected(reply: Reply, note: string): HandlerOutcome {
  return { reply, acted: null, note };
}

export function read(reply: Reply, note = 'read'): HandlerOutcome {
  return { reply, acted: null, note };
}

export function acted(reply: Reply, what: string): HandlerOutcome {
  return { reply, acted: what, note: what };
}
