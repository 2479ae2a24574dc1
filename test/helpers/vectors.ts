/**
 * The golden vectors from ../shared/vectors/ (an independent Go implementation using the same
 * x/crypto/ssh as Ollama). CI runs with shared/ beside the repo; tests fail loudly if it is absent.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const SHARED_VECTORS_DIR = resolve(process.cwd(), '../shared/vectors');

export interface GoldenVectors {
  key: { seed_hex: string; raw_public_key_hex: string; pubkey_field: string; id_ed25519_pub_contents: string };
  empty_body_hash_field: string;
  registry: { realm: string; service: string; scope: string; ts: number; nonce_bytes_hex: string; nonce: string; token_url: string; signed_string: string; authorization: string };
  direct_api_client: { url: string; signed_string: string; authorization: string };
  whoami: { url: string; signed_string: string; authorization: string };
  app_ui_doSelfSigned: { url: string; signed_string: string; authorization: string };
  signin_url: string;
}

export function loadGoldenVectors(): GoldenVectors {
  return JSON.parse(readFileSync(resolve(SHARED_VECTORS_DIR, 'ollama-auth-vectors.json'), 'utf8')) as GoldenVectors;
}
