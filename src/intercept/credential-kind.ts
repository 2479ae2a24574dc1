/**
 * What kind of credential a refused request carried, without keeping any of it: a client that sends an
 * Ollama signature or an API key to an unexpected host is a finding, and the report must say which
 * credential leaked without repeating it.
 */
export type CredentialKind = 'none' | 'basic' | 'bearer' | 'ollama-signature' | 'other';

const BASE64_FIELD = '[A-Za-z0-9+/_-]+={0,2}';
const OLLAMA_SIGNATURE = new RegExp(`^${BASE64_FIELD}:${BASE64_FIELD}$`);

export function credentialKind(authorization: string | undefined): CredentialKind {
  if (authorization === undefined || authorization.trim() === '') return 'none';
  const value = authorization.trim();
  if (/^basic\s/i.test(value)) return 'basic';
  if (/^bearer(\s|$)/i.test(value)) return 'bearer';
  // `<base64 SSH public key>:<base64 signature>`, the raw form Ollama's direct and token requests use.
  if (OLLAMA_SIGNATURE.test(value)) return 'ollama-signature';
  return 'other';
}
