/**
 * Every vector in specs/vectors/ runs against the library and passes or fails exactly as declared, with
 * the declared error code. The signature vectors are also checked against node:crypto (an Ed25519
 * implementation independent of the library's @noble/ed25519) and the Go-produced golden vectors, so the
 * JSON cannot simply mirror the library's own output.
 */
import { describe, test, expect } from '@jest/globals';
import { parseAuthorization } from '../../src/protocol/authorization.js';
import { errorCodeCatalog } from '../../src/specs/catalog.js';
import { validate } from '../../src/specs/validate.js';
import { nodeSign, nodeVerify } from '../helpers/node-crypto-oracle.js';
import { loadGoldenVectors, loadObservedParserCases } from '../helpers/vectors.js';
import { loadVectorFiles, runVector, type VectorFile, type VectorTest } from './vector-runners.js';

const files = loadVectorFiles();
const byFunction = (fn: string): VectorFile => {
  const f = files.find((x) => x.function === fn);
  if (!f) throw new Error(`no vector file for ${fn}`);
  return f;
};
const golden = loadGoldenVectors();

describe('vector files', () => {
  test('the seven files are there and each validates against vectors.schema.json', () => {
    expect(files.map((f) => f.function).sort()).toEqual(
      ['buildTokenUrl', 'ollamaSignature', 'parseAuthorization', 'parseBearerChallenge', 'parseLegacyChallenge', 'parseTokenResponse', 'signedString'],
    );
    for (const f of files) {
      const { file, ...doc } = f;
      expect({ file, ...validate('vectors', doc) }).toEqual({ file, ok: true, errors: [] });
    }
  });

  test('at least 60 vectors, at least half of them must_fail', () => {
    const all = files.flatMap((f) => f.tests);
    const mustFail = all.filter((t) => t.must_fail).length;
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(mustFail * 2).toBeGreaterThanOrEqual(all.length);
  });

  test('every error_code is in specs/error-codes.json', () => {
    const codes = errorCodeCatalog();
    const unknown = files.flatMap((f) => f.tests.filter((t) => t.error_code && !codes.has(t.error_code)).map((t) => `${f.function}: ${t.name}: ${t.error_code}`));
    expect(unknown).toEqual([]);
  });
});

for (const f of files) {
  describe(`${f.function} (${f.file.split('/').pop()})`, () => {
    for (const t of f.tests) {
      test(`${t.must_fail ? 'must fail' : 'ok'}: ${t.name}`, () => {
        const outcome = runVector(f.function, t);
        if (t.must_fail) {
          expect(outcome).toMatchObject({ ok: false, code: t.error_code });
          if (t.error_contains !== undefined && !outcome.ok) expect(outcome.message).toContain(t.error_contains);
        } else {
          expect(outcome).toEqual({ ok: true, output: t.expected });
        }
      });
    }
  });
}

describe('signatures against independent oracles', () => {
  const sig = byFunction('ollamaSignature');
  const signTests = sig.tests.filter((t) => t.input['operation'] === 'sign');
  const verifyTests = sig.tests.filter((t) => t.input['operation'] === 'verify');

  test.each(signTests.map((t) => [t.name, t] as [string, VectorTest]))('sign vector "%s": node:crypto makes the same signature and verifies it', (_name, t) => {
    const expected = t.expected as { authorization: string; signature_hex: string };
    const parsed = parseAuthorization(expected.authorization);
    const seed = new Uint8Array(Buffer.from(t.input['seed_hex'] as string, 'hex'));
    const message = t.input['message'] as string;
    expect(nodeSign(seed, parsed.publicKey, message).toString('hex')).toBe(expected.signature_hex);
    expect(nodeVerify(parsed.publicKey, message, parsed.signature)).toBe(true);
    expect(parsed.form).toBe(t.input['form']);
  });

  test('sign vectors of the golden messages reproduce the Go-produced Authorization values', () => {
    const goldenByMessage = new Map<string, string>([
      [golden.registry.signed_string, golden.registry.authorization],
      [golden.direct_api_client.signed_string, golden.direct_api_client.authorization],
      [golden.whoami.signed_string, golden.whoami.authorization],
      [golden.app_ui_doSelfSigned.signed_string, golden.app_ui_doSelfSigned.authorization],
    ]);
    const matched = signTests.filter((t) => goldenByMessage.has(t.input['message'] as string));
    expect(matched.length).toBe(4);
    for (const t of matched) {
      expect(t.input['seed_hex']).toBe(golden.key.seed_hex);
      expect((t.expected as { authorization: string }).authorization).toBe(goldenByMessage.get(t.input['message'] as string));
    }
  });

  test.each(verifyTests.map((t) => [t.name, t] as [string, VectorTest]))('verify vector "%s": node:crypto agrees', (_name, t) => {
    const message = t.input['message'] as string;
    let parsed;
    try {
      parsed = parseAuthorization(t.input['authorization'] as string);
    } catch (err) {
      // Shape failures never reach a verifier; the vector must say so.
      expect(t.error_code).toBe((err as { code: string }).code);
      return;
    }
    const nodeOk = nodeVerify(parsed.publicKey, message, parsed.signature);
    if (t.error_code === 'signature/mismatch') expect(nodeOk).toBe(false);
    else expect(nodeOk).toBe(true); // valid, or a valid signature by an unexpected key
  });

  test('the verify vectors cover the known client bugs named in the brief', () => {
    const codes = Object.fromEntries(verifyTests.map((t) => [t.name, t.error_code ?? 'ok']));
    expect(codes).toMatchObject({
      'ts changed by one second': 'signature/mismatch',
      'SSH signature wire blob instead of the raw signature': 'authorization/signature',
      'raw 32-byte public key instead of the SSH blob': 'authorization/pubkey',
      'full URL signed instead of the path': 'signature/mismatch',
      'body hash appended to a direct string': 'signature/mismatch',
      'valid signature by a key the verifier does not expect': 'signature/unknown-key',
    });
  });
});

describe('other vectors against the golden files', () => {
  test('token-url and signed-strings hold the Go-produced token URL and signed strings', () => {
    const tu = byFunction('buildTokenUrl').tests.find((t) => t.name === 'golden registry.ollama.ai token URL')!;
    expect(tu.input).toEqual({ realm: golden.registry.realm, service: golden.registry.service, scope: golden.registry.scope, ts: golden.registry.ts, nonce: golden.registry.nonce });
    expect(tu.expected).toEqual({ url: golden.registry.token_url });
    const ss = byFunction('signedString').tests;
    expect(ss.find((t) => t.name === 'registry token request (golden)')!.expected).toEqual({ signed_string: golden.registry.signed_string });
    expect(ss.find((t) => t.name === 'S1 POST /api/chat (golden)')!.expected).toEqual({ signed_string: golden.direct_api_client.signed_string, url: golden.direct_api_client.url });
  });

  test('every row of the observed legacy-parser file is a challenge-legacy vector with the same result', () => {
    const rows = loadObservedParserCases();
    const legacy = byFunction('parseLegacyChallenge').tests;
    for (const row of rows) {
      for (const parser of ['images.go', 'x/transfer'] as const) {
        const t = legacy.find((v) => v.input['header'] === row.header && (v.input['parsers'] as string[]).includes(parser));
        expect({ case: row.case, parser, found: t !== undefined }).toEqual({ case: row.case, parser, found: true });
        const [realm, service, scope] = row[parser];
        expect(t!.expected).toEqual({ realm, service, scope });
      }
    }
  });

  test('the panic vector carries Go\'s exact runtime message', () => {
    const t = byFunction('parseLegacyChallenge').tests.find((v) => v.name === 'realm= at the very end (images.go panics)')!;
    expect(t.error_code).toBe('challenge/legacy-panic');
    expect(t.error_contains).toBe('runtime error: slice bounds out of range [:21] with length 20');
  });

  test('every positive challenge-parse output validates against challenge.schema.json', () => {
    for (const t of byFunction('parseBearerChallenge').tests.filter((v) => !v.must_fail)) {
      expect({ name: t.name, ...validate('challenge', t.expected) }).toEqual({ name: t.name, ok: true, errors: [] });
    }
  });
});
