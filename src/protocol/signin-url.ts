/** The sign-in (connect) URL Ollama shows when a key is not linked to an account. */
import { goPathEscape, goQueryEscape } from './go-url.js';

export type SigninVariant = 'server' | 'app';

/**
 * server/routes.go@fb30760: `https://ollama.com/connect?name=<PathEscape(hostname)>&key=<b64url-nopad(authorized_keys line)>`.
 * The desktop app (app/auth/connect.go) QueryEscapes the name and adds `&launch=true`.
 */
export function buildSigninUrl(hostname: string, authorizedKeyLine: string, opts: { base?: string; variant?: SigninVariant } = {}): string {
  const base = (opts.base ?? 'https://ollama.com').replace(/\/+$/, '');
  const key = Buffer.from(authorizedKeyLine, 'utf8').toString('base64url');
  if (opts.variant === 'app') return `${base}/connect?name=${goQueryEscape(hostname)}&key=${key}&launch=true`;
  return `${base}/connect?name=${goPathEscape(hostname)}&key=${key}`;
}
