/**
 * The schemas compile, describe themselves, and accept what the protocol really sends while rejecting the
 * mistakes real clients make. Positive examples come from the Go-produced golden vectors and Ollama's own
 * fixtures, not from this project's output.
 */
import { randomBytes } from 'node:crypto';
import { describe, test, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolError } from '../../src/errors.js';
import { parseTokenUrl } from '../../src/protocol/token-url.js';
import { specsDir, listJsonFiles } from '../../src/specs/load.js';
import { assertValid, readSchemaDirectory, SCHEMA_DIALECT, SCHEMA_NAMES, schemaId, SpecInvalidError, SpecValidator, validate } from '../../src/specs/validate.js';
import { loadGoldenVectors } from '../helpers/vectors.js';

const golden = loadGoldenVectors();
const A = golden.key.pubkey_field;

function problems(schema: string, data: unknown): string[] {
  return validate(schema, data).errors.map((e) => `${e.path}: ${e.message}`);
}

describe('every schema', () => {
  const files = listJsonFiles(join(specsDir(), 'schemas'));

  test('every schema the library relies on is there, and only *.schema.json files', () => {
    const names = files.map((f) => f.split('/').pop()!);
    expect(SCHEMA_NAMES.filter((n) => !names.includes(`${n}.schema.json`))).toEqual([]);
    expect(names.filter((n) => !n.endsWith('.schema.json'))).toEqual([]);
  });

  test.each(files.map((f) => [f.split('/').pop()!, f]))('%s is 2020-12 with $id, title and description', (name, file) => {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(schema['$schema']).toBe(SCHEMA_DIALECT);
    expect(schema['$id']).toBe(schemaId(name.replace('.schema.json', '')));
    expect(typeof schema['title']).toBe('string');
    expect((schema['description'] as string).length).toBeGreaterThan(40);
  });

  test('all compile together (cross-references resolve, strict mode finds no unknown keyword)', () => {
    const refused: string[] = [];
    const v = new SpecValidator(readSchemaDirectory(join(specsDir(), 'schemas')), (name, message) => refused.push(`${name}: ${message}`));
    expect(refused).toEqual([]);
    expect(v.names().sort()).toEqual(files.map((f) => f.split('/').pop()!.replace('.schema.json', '')).sort());
  });
});

describe('validate / assertValid', () => {
  test('assertValid throws ProtocolError spec/invalid "<label>: <path>: <message>"', () => {
    let caught: unknown;
    try {
      assertValid('token-response', { token: '' }, 'token endpoint body');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect(caught).toBeInstanceOf(SpecInvalidError);
    expect((caught as ProtocolError).code).toBe('spec/invalid');
    expect((caught as Error).message).toBe('token endpoint body: /token: must NOT have fewer than 1 characters');
  });

  test('an unknown schema name is an error, not a pass', () => {
    expect(() => validate('no-such-schema', {})).toThrow(expect.objectContaining({ code: 'spec/unknown-schema' }) as unknown as Error);
  });

  test('a definition inside a schema can be named with a fragment', () => {
    expect(validate('exec-contract#/$defs/env', { HOME: '/tmp/h', OAC_CONTRACT: 'oac-exec/1' })).toEqual({ ok: true, errors: [] });
    expect(problems('exec-contract#/$defs/env', { OAC_CONTRACT: 'oac-exec/1' })).toEqual([': must have property "HOME"']);
  });

  test('an extra property is reported at its own path', () => {
    expect(problems('ollama-error', { error: 'unauthorized', signin_url: 'not a uri' })).toEqual(['/signin_url: must match format "uri"']);
    expect(problems('apikey-request', { authorization: 'Bearer k', extra: 1 })).toEqual(['/extra: is not allowed here (no such property in the schema)']);
  });
});

describe('token-request', () => {
  const u = parseTokenUrl(golden.registry.token_url);
  const golden_request = {
    method: 'GET',
    url: golden.registry.token_url,
    query: { service: u.service, scope: u.scopes, ts: u.ts, nonce: u.nonce },
    authorization: golden.registry.authorization,
  };

  test('the golden token request (Go transcription) is valid', () => {
    expect(validate('token-request', golden_request)).toEqual({ ok: true, errors: [] });
  });

  test('realm-supplied query keys are allowed beside the four the client adds', () => {
    expect(validate('token-request', { ...golden_request, query: { ...golden_request.query, tenant: ['a'] } }).ok).toBe(true);
  });

  test('Bearer-prefixed, raw-32-byte-key and SSH-blob Authorization values are rejected at /authorization', () => {
    const raw32 = Buffer.from(golden.key.raw_public_key_hex, 'hex').toString('base64');
    const sig = golden.registry.authorization.split(':')[1]!;
    for (const authorization of [`Bearer ${golden.registry.authorization}`, `${raw32}:${sig}`, `${A}:${Buffer.alloc(83).toString('base64')}`]) {
      expect(problems('token-request', { ...golden_request, authorization })).toEqual([expect.stringMatching(/^\/authorization: must match pattern/)]);
    }
  });

  test('POST, two nonces, a padded nonce, a non-decimal ts and a body are each reported', () => {
    expect(problems('token-request', { ...golden_request, method: 'POST' })).toEqual(['/method: must be "GET"']);
    expect(problems('token-request', { ...golden_request, query: { ...golden_request.query, nonce: [golden.registry.nonce, golden.registry.nonce] } })).toEqual([
      '/query/nonce: must NOT have more than 1 items',
    ]);
    expect(problems('token-request', { ...golden_request, query: { ...golden_request.query, nonce: [`${golden.registry.nonce}==`] } })[0]).toMatch(/^\/query\/nonce\/0: must match pattern/);
    expect(problems('token-request', { ...golden_request, query: { ...golden_request.query, ts: ['1.7e9'] } })[0]).toMatch(/^\/query\/ts\/0: must match pattern/);
    expect(problems('token-request', { ...golden_request, body: 'x' })).toEqual(['/body: must NOT have more than 0 characters']);
  });

  test('a request without the scope parameter is rejected', () => {
    const { scope: _scope, ...rest } = golden_request.query;
    void _scope;
    expect(problems('token-request', { ...golden_request, query: rest })).toEqual(['/query: must have property "scope"']);
  });
});

describe('message schemas', () => {
  test('token-response: token and/or access_token, never empty, issued_at RFC 3339', () => {
    expect(validate('token-response', { token: 't' }).ok).toBe(true);
    expect(validate('token-response', { access_token: 't', expires_in: 300, issued_at: '2026-08-21T10:00:00Z' }).ok).toBe(true);
    expect(validate('token-response', {}).ok).toBe(false);
    expect(problems('token-response', { token: 't', issued_at: 'yesterday' })).toEqual(['/issued_at: must match format "date-time"']);
    expect(problems('token-response', { token: 't', expires_in: 1.5 })).toEqual(['/expires_in: must be integer']);
  });

  test('direct-request: raw and Bearer forms of the golden headers are valid; a full URL as path is not', () => {
    const raw = { method: 'POST', path: '/api/chat', ts: '1700000000', authorization: golden.direct_api_client.authorization };
    expect(validate('direct-request', raw).ok).toBe(true);
    expect(validate('direct-request', { method: 'GET', path: '/api/tags', ts: '1700000000', authorization: golden.app_ui_doSelfSigned.authorization, form: 'bearer' }).ok).toBe(true);
    expect(problems('direct-request', { ...raw, path: 'https://ollama.com/api/chat' })).toEqual(['/path: must match pattern "^/"']);
    expect(validate('direct-request', { ...raw, authorization: `Basic ${golden.direct_api_client.authorization}` }).ok).toBe(false);
  });

  test('apikey-request: `Bearer <key>`, never an empty Bearer', () => {
    // Built at test time from random bytes: no literal that looks like an API key lives in the repository.
    expect(validate('apikey-request', { authorization: `Bearer ${randomBytes(16).toString('hex')}.${randomBytes(6).toString('base64url')}` }).ok).toBe(true);
    expect(problems('apikey-request', { authorization: 'Bearer ' })[0]).toMatch(/^\/authorization: must match pattern/);
    expect(problems('apikey-request', { authorization: 'bearer' })[0]).toMatch(/^\/authorization: must match pattern/);
  });

  test('basic-request: base64 credentials, the user-id without a colon', () => {
    const authorization = `Basic ${Buffer.from('alice:s3cr:et').toString('base64')}`;
    expect(validate('basic-request', { authorization, decoded: { user: 'alice', pass: 's3cr:et' } }).ok).toBe(true);
    expect(problems('basic-request', { authorization, decoded: { user: 'al:ice', pass: 'x' } })[0]).toMatch(/^\/decoded\/user: must match pattern/);
    expect(problems('basic-request', { authorization: 'Basic not base64!' })[0]).toMatch(/^\/authorization: must match pattern/);
  });

  test("ollama-error and oci-errors accept the bodies quoted in docs/protocol.md §4", () => {
    expect(validate('ollama-error', { error: 'unauthorized', signin_url: golden.signin_url }).ok).toBe(true);
    expect(validate('ollama-error', { StatusCode: 401, Status: '401 Unauthorized', error: 'unauthorized' }).ok).toBe(true);
    // cmd/cmd_test.go@fb30760 L1231: registry.ollama.ai's code has a space in it.
    expect(validate('oci-errors', { errors: [{ code: 'ACCESS DENIED', message: 'access denied' }] }).ok).toBe(true);
    expect(validate('oci-errors', { errors: [{ code: 'MANIFEST_UNKNOWN' }] }).ok).toBe(true);
    expect(problems('oci-errors', { errors: [] })).toEqual(['/errors: must NOT have fewer than 1 items']);
    expect(problems('ollama-error', { message: "Couldn't authorize" })).toEqual([': must have property "error"']);
  });
});

describe("the project's own documents", () => {
  const provenance = {
    origin: 'emulator',
    targetHosts: ['127.0.0.1:40123'],
    recordedAt: '2026-08-22T10:00:00Z',
    harnessVersion: '0.1.0',
    protocolCommit: 'fb30760',
    flow: 'registry',
    action: 'registry-manifest',
    facts: ['§1.1', 'REG-06', 'F-02'],
    redactions: [{ path: '/log/entries/1/request/headers/2/value', kind: 'signature', placeholder: '<redacted:signature#1>' }],
    expiresAt: '2027-08-22T10:00:00Z',
  };

  test('cassette provenance: a complete record validates; an unknown origin and a bad pointer do not', () => {
    expect(validate('cassette-provenance', provenance)).toEqual({ ok: true, errors: [] });
    expect(problems('cassette-provenance', { ...provenance, origin: 'internet' })).toEqual(['/origin: must be one of "live", "emulator", "local-stand-in"']);
    expect(problems('cassette-provenance', { ...provenance, redactions: [{ path: 'log.entries', kind: 'signature', placeholder: 'x' }] })[0]).toMatch(/^\/redactions\/0\/path: must match pattern/);
    expect(problems('cassette-provenance', { ...provenance, facts: ['section 1'] })[0]).toMatch(/^\/facts\/0: must match pattern/);
  });

  test('results: verdicts are pass|fail|non-strict|skip|error, and the summary is complete', () => {
    const results = {
      version: '1',
      tool: { name: 'ollama-auth-conformance', version: '0.1.0', checksVersion: '1.0.0', protocolCommit: 'fb30760' },
      startedAt: '2026-08-22T10:00:00Z',
      finishedAt: '2026-08-22T10:00:03Z',
      config: { target: 'emulator', apiKey: '<redacted>', redacted: ['/apiKey'] },
      client: { mode: 'exec', command: '/usr/bin/python3 client.py', contract: 'oac-exec/1' },
      scenarios: [
        {
          id: 'F-02',
          expectedOutcome: 'failure',
          observedOutcome: 'failure',
          exitCode: 1,
          verdicts: [{ check: 'registry/realm/same-host', level: 'MUST', verdict: 'pass', message: 'no request reached the other host', evidence: [0] }],
          exchanges: [{ request: { method: 'GET', url: 'http://127.0.0.1:40123/v2/library/test/manifests/latest', headers: { accept: 'application/json' } }, response: { status: 401, headers: { 'www-authenticate': 'Bearer realm="x"' } } }],
        },
      ],
      summary: { total: 1, pass: 1, fail: 0, 'non-strict': 0, skip: 0, error: 0, scenarios: 1, ok: true },
    };
    expect(validate('results', results)).toEqual({ ok: true, errors: [] });
    const bad = structuredClone(results);
    (bad.scenarios[0]!.verdicts[0] as { verdict: string }).verdict = 'passed';
    expect(problems('results', bad)).toEqual(['/scenarios/0/verdicts/0/verdict: must be one of "pass", "fail", "non-strict", "skip", "error"']);
    const noSummary: Record<string, unknown> = { ...results };
    delete noSummary['summary'];
    expect(problems('results', noSummary)).toEqual([': must have property "summary"']);
  });

  test('exec contract: an invocation per action validates; a wrong target shape, a proxy variable or a missing OLLAMA_AUTH do not', () => {
    const env = { HOME: '/tmp/oac-home', OAC_CONTRACT: 'oac-exec/1', OAC_ACTION: 'registry-manifest' };
    const registry = { contract: 'oac-exec/1', action: 'registry-manifest', target: 'http://127.0.0.1:40123/v2/library/llama3/manifests/latest', env, timeoutMs: 20000 };
    const tags = { contract: 'oac-exec/1', action: 'cloud-tags', target: 'http://127.0.0.1:40123', env: { ...env, OLLAMA_AUTH: '1' }, timeoutMs: 20000 };
    const basic = { contract: 'oac-exec/1', action: 'basic-tags', target: 'http://oac:pw@127.0.0.1:40123', env, timeoutMs: 20000 };
    expect(validate('exec-contract', registry)).toEqual({ ok: true, errors: [] });
    expect(validate('exec-contract', tags)).toEqual({ ok: true, errors: [] });
    expect(validate('exec-contract', basic)).toEqual({ ok: true, errors: [] });
    expect(problems('exec-contract', { ...registry, target: 'http://127.0.0.1:40123' })).toEqual(['/target: must match pattern "^https?://[^\\s/]+/v2/[^\\s]+/manifests/[^\\s/]+$"']);
    expect(problems('exec-contract', { ...tags, env })).toEqual(['/env: must have property "OLLAMA_AUTH"']);
    expect(problems('exec-contract', { ...basic, env: { ...env, https_proxy: 'http://proxy:3128' } })).toEqual(['/env: must NOT be valid', '/env: property name must be valid']);
    expect(problems('exec-contract', { ...tags, action: 'cloud-chat' })[0]).toMatch(/^\/action: must be one of/);
  });

  test('scenario: an unknown mutation op and a mistyped status are reported where they are', () => {
    const scenario = JSON.parse(readFileSync(join(specsDir(), 'scenarios', 'F-08-token-401-empty.json'), 'utf8')) as { mutation: Record<string, unknown>[] };
    expect(validate('scenario', scenario)).toEqual({ ok: true, errors: [] });
    const unknownOp = structuredClone(scenario);
    unknownOp.mutation[0] = { op: 'explode', target: 'token' };
    expect(problems('scenario', unknownOp)).toContain('/mutation/0/op: must be one of "replace-header", "remove-header", "add-header", "set-status", "set-body", "patch-json", "redirect", "delay", "drop-connection", "set-tls", "set-clock"');
    const badStatus = structuredClone(scenario);
    badStatus.mutation[0] = { op: 'set-status', target: 'token', status: '401' };
    expect(problems('scenario', badStatus)).toEqual(['/mutation/0/status: must be integer']);
  });
});
