/**
 * How this project runs specs/vectors/*.json against its own library: one adapter per `function`, mapping
 * the language-neutral input to a library call and the result back to the vector's output shape. This is
 * the TypeScript instance of the pseudo-code in specs/README.md; a client author writes the same adapters
 * in their language.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuthorization } from '../../src/protocol/authorization.js';
import { parseBearerChallenge } from '../../src/protocol/challenge.js';
import { parseLegacyImagesGo, parseLegacyXTransfer } from '../../src/protocol/challenge-legacy.js';
import { verifyEd25519 } from '../../src/protocol/ed25519.js';
import { buildDirectRequest, buildRequestUriRequest, registrySignedString } from '../../src/protocol/signing.js';
import { buildTokenUrl } from '../../src/protocol/token-url.js';
import { parseTokenResponse } from '../../src/protocol/token-response.js';
import { formatAuthorization } from '../../src/protocol/authorization.js';
import { keyFromSeed } from '../../src/keys/index.js';
import { OacError } from '../../src/errors.js';
import { listJsonFiles, specsDir } from '../../src/specs/load.js';

export interface VectorTest {
  name: string;
  input: Record<string, unknown>;
  expected?: Record<string, unknown>;
  must_fail?: true;
  error_code?: string;
  error_contains?: string;
  checks?: string[];
  note?: string;
}

export interface VectorFile {
  file: string;
  description: string;
  function: string;
  tests: VectorTest[];
}

export function loadVectorFiles(): VectorFile[] {
  return listJsonFiles(join(specsDir(), 'vectors')).map((file) => ({ file, ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<VectorFile, 'file'>) }));
}

/** An error the vector contract defines (signature/*) rather than a library function. */
export class VectorError extends OacError {}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const str = (x: unknown): string => {
  if (typeof x !== 'string') throw new TypeError(`vector input: expected a string, got ${JSON.stringify(x)}`);
  return x;
};
const int = (x: unknown): number => {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`vector input: expected an integer, got ${JSON.stringify(x)}`);
  return x;
};

type Runner = (input: Record<string, unknown>) => Record<string, unknown>;

export const runners: Record<string, Runner> = {
  parseBearerChallenge: (i) => {
    const r = parseBearerChallenge((i['fields'] as unknown[]).map(str), { strict: i['strict'] === true });
    // The vector's shape (challenge.schema.json): absent members stay absent.
    const out: Record<string, unknown> = { realm: r.realm };
    if (r.service !== undefined) out['service'] = r.service;
    if (r.scope !== undefined) out['scope'] = r.scope;
    out['scopes'] = r.scopes;
    if (r.error !== undefined) out['error'] = r.error;
    out['params'] = r.params;
    return out;
  },

  parseLegacyChallenge: (i) => {
    const header = str(i['header']);
    const results = (i['parsers'] as string[]).map((p) => {
      if (p === 'images.go') return parseLegacyImagesGo(header);
      if (p === 'x/transfer') return parseLegacyXTransfer(header);
      throw new TypeError(`unknown legacy parser ${p}`);
    });
    const first = JSON.stringify(results[0]);
    const differ = results.find((r) => JSON.stringify(r) !== first);
    if (differ) throw new Error(`the parsers named in the vector disagree: ${first} vs ${JSON.stringify(differ)}`);
    return { ...results[0]! };
  },

  buildTokenUrl: (i) => ({
    url: buildTokenUrl({ realm: str(i['realm']), service: str(i['service']), scope: str(i['scope']), ts: int(i['ts']), nonce: str(i['nonce']) }),
  }),

  signedString: (i) => {
    switch (i['flavour']) {
      case 'registry':
        return { signed_string: registrySignedString(str(i['token_url'])) };
      case 'direct': {
        const r = buildDirectRequest(str(i['method']), str(i['base_url']), str(i['path']), int(i['ts']));
        return { signed_string: r.signedString, url: r.url };
      }
      case 'request-uri': {
        const r = buildRequestUriRequest(str(i['method']), str(i['url']), int(i['ts']));
        return { signed_string: r.signedString, url: r.url };
      }
      default:
        throw new TypeError(`unknown flavour ${JSON.stringify(i['flavour'])}`);
    }
  },

  ollamaSignature: (i) => {
    if (i['operation'] === 'sign') {
      const key = keyFromSeed(new Uint8Array(Buffer.from(str(i['seed_hex']), 'hex')));
      const signature = key.sign(str(i['message']));
      return {
        authorization: formatAuthorization(key.publicKeyField, signature, i['form'] === 'bearer' ? 'bearer' : 'raw'),
        public_key_field: key.publicKeyField,
        signature_hex: hex(signature),
      };
    }
    const parsed = parseAuthorization(str(i['authorization']));
    if (!verifyEd25519(parsed.publicKey, str(i['message']), parsed.signature)) {
      throw new VectorError('signature/mismatch', 'signature does not verify over the message with the key in the header');
    }
    const expectedField = i['expected_public_key_field'];
    if (expectedField !== undefined && parsed.publicKeyField !== expectedField) {
      throw new VectorError('signature/unknown-key', `signed by ${parsed.publicKeyField.slice(0, 32)}…, not by the expected key`);
    }
    return { valid: true };
  },

  parseAuthorization: (i) => {
    const value = i['value'];
    const p = parseAuthorization(value === null ? undefined : str(value));
    return {
      form: p.form,
      public_key_field: p.publicKeyField,
      signature_field: p.signatureField,
      public_key_hex: hex(p.publicKey),
      signature_hex: hex(p.signature),
    };
  },

  parseTokenResponse: (i) => ({
    token: parseTokenResponse(str(i['body']), { acceptAccessToken: i['accept_access_token'] !== false }),
  }),
};

export type Outcome = { ok: true; output: Record<string, unknown> } | { ok: false; code: string; message: string };

/** Run one vector; library errors (OacError) become a failed outcome, anything else propagates. */
export function runVector(fn: string, test: VectorTest): Outcome {
  const runner = runners[fn];
  if (!runner) throw new Error(`no runner for vector function ${fn}`);
  try {
    return { ok: true, output: runner(test.input) };
  } catch (err) {
    if (err instanceof OacError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
