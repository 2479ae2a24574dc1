/**
 * The token endpoint's answer. Ollama reads only `token` (api.TokenResponse); the Docker token spec
 * also allows `access_token`. A correct client accepts either and fails on neither, instead of retrying
 * with an empty credential as Ollama's own client does (docs/protocol.md §1.5).
 */
import { ProtocolError } from '../errors.js';

export interface TokenResponseOptions {
  /** Accept a Docker-style `access_token` when `token` is absent (default true). */
  acceptAccessToken?: boolean;
}

export function parseTokenResponse(body: string, opts: TokenResponseOptions = {}): string {
  const acceptAccessToken = opts.acceptAccessToken ?? true;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    const preview = body.length > 120 ? `${body.slice(0, 120)}…` : body;
    throw new ProtocolError('token/not-json', `token response is not JSON (${(err as Error).message}): ${JSON.stringify(preview)}`, { cause: err });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProtocolError('token/not-object', `token response must be a JSON object, got ${JSON.stringify(json)}`);
  }
  const record = json as Record<string, unknown>;
  const fields = acceptAccessToken ? ['token', 'access_token'] : ['token'];
  for (const field of fields) {
    const value = record[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw new ProtocolError('token/not-string', `token response field "${field}" must be a string, got ${JSON.stringify(value)}`);
    }
    if (value === '') {
      throw new ProtocolError('token/empty', `token response field "${field}" is empty; refusing to retry without a credential`);
    }
    return value;
  }
  throw new ProtocolError('token/missing', `token response has no ${fields.map((f) => `"${f}"`).join(' or ')} field: ${JSON.stringify(body.slice(0, 200))}`);
}

export function buildTokenResponse(token: string, extra: { expiresIn?: number; issuedAt?: string } = {}): string {
  const body: Record<string, unknown> = { token };
  if (extra.expiresIn !== undefined) body['expires_in'] = extra.expiresIn;
  if (extra.issuedAt !== undefined) body['issued_at'] = extra.issuedAt;
  return JSON.stringify(body);
}
