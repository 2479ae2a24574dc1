import { describe, expect, test } from '@jest/globals';
import { buildTokenUrl, urlHost } from '../../src/protocol/token-url.js';
import { tokenUrlFindings as checkTokenUrl } from '../../src/rules/client/token-url.js';
import { encodeNonce, isNonceShape, newNonce } from '../../src/protocol/nonce.js';
import { loadGoldenVectors } from '../helpers/vectors.js';

const golden = loadGoldenVectors();
const reg = golden.registry;

describe('buildTokenUrl', () => {
  test('reproduces the golden token URL byte for byte', () => {
    const nonce = encodeNonce(Buffer.from(reg.nonce_bytes_hex, 'hex'));
    expect(nonce).toBe(reg.nonce);
    expect(buildTokenUrl({ realm: reg.realm, service: reg.service, scope: reg.scope, ts: reg.ts, nonce })).toBe(reg.token_url);
  });

  test('keeps the realm query, adds one scope per space-separated scope, sorts keys', () => {
    const url = buildTokenUrl({ realm: 'https://r.example/token?zeta=1&alpha=x y', service: 'svc', scope: 'repository:a/b:pull repository:c/d:push', ts: 5, nonce: 'N' });
    expect(url).toBe('https://r.example/token?alpha=x+y&nonce=N&scope=repository%3Aa%2Fb%3Apull&scope=repository%3Ac%2Fd%3Apush&service=svc&ts=5&zeta=1');
  });

  test('an empty service and scope are still added, as Ollama adds them', () => {
    expect(buildTokenUrl({ realm: 'https://r/t', service: '', scope: '', ts: 1, nonce: 'N' })).toBe('https://r/t?nonce=N&scope=&service=&ts=1');
  });

  test('a realm without a path gives "https://host?…" (no slash), as Go does', () => {
    expect(buildTokenUrl({ realm: 'https://host', service: 's', scope: 'x', ts: 1, nonce: 'N' })).toBe('https://host?nonce=N&scope=x&service=s&ts=1');
  });

  test('urlHost keeps the port as written, so ":443" differs from no port (Ollama compares raw strings)', () => {
    expect(urlHost('https://registry.ollama.ai:443/v2/token')).toBe('registry.ollama.ai:443');
    expect(urlHost('https://registry.ollama.ai/v2/token')).toBe('registry.ollama.ai');
  });
});

describe('nonce', () => {
  test('16 random bytes → 22 base64url chars, fresh each time', () => {
    const a = newNonce();
    const b = newNonce();
    expect(a).toHaveLength(22);
    expect(isNonceShape(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  test.each(['', 'AAECAwQFBgcICQoLDA0ODw==', 'AAECAwQFBgcICQoLDA0OD', 'AAECAwQFBgcICQoLDA0OD+', 'AAECAwQFBgcICQoLDA0ODx'])('rejects %j', (bad) => {
    expect(isNonceShape(bad)).toBe(false);
  });
});

describe('checkTokenUrl (server side)', () => {
  const expect0 = { realm: reg.realm, service: reg.service, scope: reg.scope };
  const failing = (url: string) => checkTokenUrl(url, expect0).filter((f) => !f.ok).map((f) => f.id);

  test('the golden URL passes every rule', () => {
    expect(failing(reg.token_url)).toEqual([]);
  });

  test('unsorted keys are named as such', () => {
    const url = `${reg.realm}?service=${reg.service}&scope=repository%3Alibrary%2Fllama3%3Apull&ts=1700000000&nonce=${reg.nonce}`;
    expect(failing(url)).toEqual(['registry/token-url/sorted-query']);
  });

  test('unescaped ":" and "/" are named as a form-escaping fault', () => {
    const url = `${reg.realm}?nonce=${reg.nonce}&scope=repository:library/llama3:pull&service=${reg.service}&ts=1700000000`;
    const findings = checkTokenUrl(url, expect0).filter((f) => !f.ok);
    expect(findings.map((f) => f.id)).toEqual(['registry/token-url/form-escaping']);
    expect(findings[0]!.expected).toBe('scope=repository%3Alibrary%2Fllama3%3Apull');
  });

  test('missing ts, a padded nonce and a dropped realm query are each reported', () => {
    const url = `https://registry.ollama.ai/v2/token?nonce=${reg.nonce}==&scope=repository%3Alibrary%2Fllama3%3Apull&service=${reg.service}`;
    expect(failing(url)).toEqual(['registry/token-url/ts', 'registry/token-url/nonce-shape', 'registry/token-url/form-escaping']);
    const realmWithQuery = checkTokenUrl(reg.token_url, { ...expect0, realm: `${reg.realm}?tenant=a` });
    expect(realmWithQuery.filter((f) => !f.ok).map((f) => f.id)).toEqual(['registry/token-url/realm-query-kept']);
  });

  test('a token request to another path than the realm is reported', () => {
    expect(failing(reg.token_url.replace('/v2/token', '/v2/other'))).toEqual(['registry/token-url/realm']);
  });
});
