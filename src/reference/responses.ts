/**
 * How an error response becomes an AuthError a user can act on: the status, what the server said (the
 * JSON `error` of Ollama's bodies, or the raw body), and ollama.com's `signin_url` when it sent one
 * (docs/protocol.md §4, ERR-01). This is the client's side of a response (the reference client's
 * HttpResponse, as received); the servers' sides are src/emulator/replies.ts (Reply: what a handler
 * decides) and src/conformance/response.ts (OutgoingResponse: the wire form a scenario mutates).
 */
import { AuthError } from '../errors.js';
import type { HttpResponse } from './http.js';

/** Bodies are kept whole on the error (`body`); messages show at most this much of them. */
const MAX_BODY_IN_MESSAGE = 500;

export function bodyText(res: HttpResponse): string {
  return res.body.toString('utf8');
}

/** One line for a message: trailing newlines gone, long bodies cut. */
export function bodyForMessage(body: string): string {
  const trimmed = body.trim();
  return trimmed.length > MAX_BODY_IN_MESSAGE ? `${trimmed.slice(0, MAX_BODY_IN_MESSAGE)}…(${trimmed.length} chars)` : trimmed;
}

/** `<status>: <body>`, or `<status>` when the body is empty (server/auth.go getAuthorizationToken). */
export function statusAndBody(status: number, body: string): string {
  const shown = bodyForMessage(body);
  return shown === '' ? String(status) : `${status}: ${shown}`;
}

export interface JsonErrorFields {
  error?: string;
  signinUrl?: string;
}

/** `{"error": …, "signin_url": …}` (api.StatusError / api.AuthorizationError); anything else yields `{}`. */
export function jsonErrorFields(body: string): JsonErrorFields {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // Not JSON: the caller shows the raw body instead, which is what the user needs to see.
    return {};
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  const record = json as Record<string, unknown>;
  const fields: JsonErrorFields = {};
  if (typeof record['error'] === 'string') fields.error = record['error'];
  if (typeof record['signin_url'] === 'string' && record['signin_url'] !== '') fields.signinUrl = record['signin_url'];
  return fields;
}

/**
 * ≥400 from ollama.com-style endpoints: 401 → `<prefix>/unauthorized`, anything else `<prefix>/http-error`;
 * message `<status>: <error or body>` plus ` (sign in at <signin_url>)` when the server sent one.
 */
export function errorFromResponse(prefix: string, res: HttpResponse): AuthError {
  const body = bodyText(res);
  const { error, signinUrl } = jsonErrorFields(body);
  const said = error !== undefined ? statusAndBody(res.status, error) : statusAndBody(res.status, body);
  const message = signinUrl === undefined ? said : `${said} (sign in at ${signinUrl})`;
  const code = res.status === 401 ? `${prefix}/unauthorized` : `${prefix}/http-error`;
  return new AuthError(code, message, { status: res.status, body, ...(signinUrl === undefined ? {} : { signinUrl }) });
}
