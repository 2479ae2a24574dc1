/**
 * The golden vectors vendored in specs/golden/ (see specs/golden/README.md): Ollama's real bytes, produced
 * by an independent Go implementation over the same x/crypto/ssh as Ollama, and the outputs of Ollama's
 * own two challenge parsers. Every loader checks the file's provenance block first, so a vector without a
 * stated origin never reaches a test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specsDir } from '../../src/specs/load.js';
import { validate } from '../../src/specs/validate.js';

export const GOLDEN_VECTORS_DIR = join(specsDir(), 'golden');
export const AUTH_VECTORS_FILE = join(GOLDEN_VECTORS_DIR, 'ollama-auth-vectors.json');
export const OBSERVED_PARSERS_FILE = join(GOLDEN_VECTORS_DIR, 'ollama-challenge-parsers-observed.json');

export interface GoldenVectors {
  key: { seed_hex: string; raw_public_key_hex: string; pubkey_field: string; id_ed25519_pub_contents: string };
  empty_body_hash_field: string;
  registry: { realm: string; service: string; scope: string; ts: number; nonce_bytes_hex: string; nonce: string; token_url: string; signed_string: string; authorization: string };
  direct_api_client: { url: string; signed_string: string; authorization: string };
  whoami: { url: string; signed_string: string; authorization: string };
  app_ui_doSelfSigned: { url: string; signed_string: string; authorization: string };
  signin_url: string;
}

/** One header and what each of Ollama's two legacy parsers returned for it, as [realm, service, scope]. */
export interface ObservedParserCase {
  case: string;
  header: string;
  'images.go': [string, string, string];
  'x/transfer': [string, string, string];
  differ: boolean;
}

/** Parse a golden file and refuse it, naming the file and the problem, unless its provenance validates. */
export function readGoldenFile(file: string): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error(`${file}: expected a JSON object with a "provenance" block, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  const result = validate('golden-provenance', (doc as Record<string, unknown>)['provenance']);
  if (!result.ok) {
    const problems = result.errors.map((e) => `/provenance${e.path}: ${e.message}`).join('; ');
    throw new Error(`${file}: the provenance block does not validate against golden-provenance.schema.json: ${problems}`);
  }
  return doc as Record<string, unknown>;
}

/** The signing vectors, without their provenance block. */
export function loadGoldenVectors(): GoldenVectors {
  const data = readGoldenFile(AUTH_VECTORS_FILE);
  delete data['provenance'];
  return data as unknown as GoldenVectors;
}

/** The cases of the observed legacy-parser file. */
export function loadObservedParserCases(): ObservedParserCase[] {
  const cases = readGoldenFile(OBSERVED_PARSERS_FILE)['cases'];
  if (!Array.isArray(cases)) throw new Error(`${OBSERVED_PARSERS_FILE}: expected "cases" to be an array, got ${typeof cases}`);
  return cases as ObservedParserCase[];
}
