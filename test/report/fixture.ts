/**
 * A hand-built run with every verdict kind and every way a client can end, with secrets planted where a
 * careless renderer would print them, and text that breaks naive XML/HTML/terminal output.
 */
import type { ClientRun, Observation, Verdict } from '../../src/conformance/types.js';
import type { CheckId } from '../../src/check-ids.js';
import type { ReportScenario, RunReport } from '../../src/report/model.js';

/** Every planted secret: none may appear in any rendered report. */
export const SECRETS = {
  apiKey: 'oac-test-PLANTEDapikey0123456789',
  basicPass: 'PLANTED-basic-pass-42',
  token: 'PLANTEDregistrytoken.0123456789abcdef',
  signature: 'PLANTEDsig' + 'A'.repeat(76) + '==',
  pemBody: 'PLANTEDpemBodyb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
  envToken: 'PLANTED-env-token-777',
  seedHex: 'PLANTED0102030405060708090a0b0c0d0e0f',
  authHeader: 'PLANTED-auth-header-value-31337',
} as const;

export const PUBKEY_FIELD = 'AAAAC3NzaC1lZDI1NTE5AAAAI' + 'B'.repeat(43);
export const PRIVATE_KEY_PEM = `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRETS.pemBody}\n-----END OPENSSH PRIVATE KEY-----\n`;

/** Markup, quotes, an ANSI colour sequence, C0 controls, a noncharacter and a lone surrogate. */
export const NASTY = `<b>&amp; "double" 'single'</b> ]]> \u001b[31mred\u001b[0m \u0000nul\u0007bel\u000bvt tab\there \uFFFE \uD800 ok`;
/** NASTY as an XML parser must read it back: the characters XML 1.0 cannot carry removed. */
export const NASTY_IN_XML = `<b>&amp; "double" 'single'</b> ]]> [31mred[0m nulbelvt tab\there   ok`;

function client(overrides: Partial<ClientRun>): ClientRun {
  return {
    command: `./client 'registry-manifest' 'http://127.0.0.1:1/v2/x'`,
    exitCode: 0,
    signal: null,
    timedOut: false,
    killed: false,
    stdout: '',
    stderr: '',
    durationMs: 120,
    ...overrides,
  };
}

function obs(seq: number, overrides: Partial<Observation>): Observation {
  return {
    seq,
    listener: 'main',
    role: 'resource',
    method: 'GET',
    url: '/v2/library/test/manifests/latest',
    headers: { host: '127.0.0.1:1', 'user-agent': 'client/1' },
    status: 200,
    findings: [],
    ...overrides,
  };
}

const pass = (check: CheckId): Verdict => ({ check, verdict: 'pass', level: 'MUST', message: `${check} holds` });

export function scenarios(): ReportScenario[] {
  return [
    {
      id: 'registry/golden', title: 'Golden registry flow', flow: 'registry', action: 'registry-manifest', verdict: 'pass',
      expectedOutcome: 'success',
      verdicts: [pass('registry/token-url/realm'), pass('registry/token-request/signature')],
      client: client({ stdout: '{"schemaVersion":2}' }),
      observations: [
        obs(0, { role: 'challenge', status: 401, reason: 'registry/challenge/read: no token yet' }),
        obs(1, { role: 'token', url: '/v2/token?nonce=x&scope=repository%3Alibrary%2Ftest%3Apull&service=127.0.0.1%3A1&ts=1', headers: { authorization: '<68 chars>:<88 chars>' }, findings: [{ id: 'registry/token-request/signature', ok: true, message: 'signature verifies' }] }),
        obs(2, { headers: { authorization: 'Bearer <token: 40 chars>' } }),
      ],
      reproduce: "oac check --client './client' --scenario 'registry/golden'",
      durationMs: 150,
    },
    {
      id: 'F-02', title: `Realm on another host ${NASTY}`, flow: 'registry', action: 'registry-manifest', verdict: 'fail',
      expectedOutcome: 'failure',
      verdicts: [
        { check: 'registry/realm/same-host', verdict: 'fail', level: 'MUST', message: `sent its signature to another host ${NASTY}`, expected: 'no request to the other host', actual: `GET /v2/token with Authorization: ${PUBKEY_FIELD}:${SECRETS.signature}` },
        { check: 'errors/surfaced', verdict: 'fail', level: 'MUST', message: 'exited 0 although the flow failed', expected: 'a non-zero exit', actual: 'exit 0' },
      ],
      client: client({ exitCode: 0, stdout: `Authorization: Bearer ${SECRETS.token}\n{"token":"${SECRETS.token}"}\n${NASTY}`, stderr: `\u001b[33mwarn\u001b[0m: used ${PUBKEY_FIELD}:${SECRETS.signature}` }),
      observations: [
        obs(0, { role: 'challenge', status: 401 }),
        obs(1, { listener: 'other', role: 'other-host', url: '/v2/token?ts=1', headers: { authorization: '<68 chars>:<88 chars>' }, status: 200, findings: [{ id: 'registry/realm/same-host', ok: false, message: 'token request reached the other host' }] }),
      ],
      reproduce: "oac check --client './client' --scenario 'F-02'",
      durationMs: 300,
    },
    {
      id: 'direct/skew', title: 'Clock skew', flow: 'direct', action: 'cloud-tags', verdict: 'non-strict',
      verdicts: [
        pass('direct/signature'),
        { check: 'direct/fresh-ts', verdict: 'non-strict', level: 'SHOULD', message: 'reused a ts', expected: 'a fresh ts', actual: 'ts=1 twice' },
      ],
      client: client({ exitCode: 1, stderr: 'oac client: cloud-tags: 401: unauthorized\n' }),
      observations: [obs(0, { role: 'api', method: 'GET', url: '/api/tags?ts=1', status: 401, findings: [{ id: 'direct/fresh-ts', ok: false, message: 'stale' }] })],
      reproduce: "oac check --client './client' --scenario 'direct/skew'",
      durationMs: 80,
    },
    {
      id: 'basic/golden', title: 'Basic credentials', flow: 'basic', action: 'basic-tags', verdict: 'skip',
      verdicts: [{ check: 'basic/credentials', verdict: 'skip', level: 'MUST', message: 'the client does not implement basic-tags (exit 3)' }],
      client: client({ command: `./client 'basic-tags' 'http://oac:${SECRETS.basicPass}@127.0.0.1:1'`, exitCode: 3, stderr: 'unsupported action basic-tags\n' }),
      observations: [],
      reproduce: "oac check --client './client' --scenario 'basic/golden'",
      durationMs: 10,
    },
    {
      id: 'apikey/golden', title: 'API key', flow: 'apikey', action: 'apikey-tags', verdict: 'error',
      verdicts: [{ check: 'apikey/bearer', verdict: 'error', level: 'MUST', message: 'the client timed out (killed by the harness)' }],
      client: client({ exitCode: null, signal: 'SIGTERM', timedOut: true, killed: true, durationMs: 20_000, stdout: `OLLAMA_API_KEY=${SECRETS.apiKey}` }),
      observations: [],
      reproduce: "oac check --client './client' --scenario 'apikey/golden'",
      durationMs: 20_100,
    },
    {
      id: 'tls/custom-ca', title: 'Custom CA', flow: 'tls', action: 'cloud-tags', verdict: 'fail',
      verdicts: [{ check: 'tls/custom-ca', verdict: 'fail', level: 'MUST', message: 'known gap', expectedFailure: true }, pass('direct/signature')],
      client: client({ exitCode: null, signal: 'SIGSEGV', stderr: 'segfault\n' }),
      observations: [],
      reproduce: "oac check --client './client' --scenario 'tls/custom-ca'",
      durationMs: 40,
    },
    {
      id: 'keys/missing', title: 'No key', flow: 'keys', action: 'cloud-tags', verdict: 'pass',
      verdicts: [pass('keys/bad-key-no-request')],
      client: client({ exitCode: null, spawnError: 'cannot start /bin/sh: ENOENT' }),
      observations: [],
      reproduce: "oac check --client './client' --scenario 'keys/missing'",
      durationMs: 5,
      harnessError: 'subject/spawn: cannot start /bin/sh: ENOENT',
    },
  ];
}

export function run(overrides: Partial<RunReport> = {}): RunReport {
  return {
    tool: { name: 'ollama-auth-conformance', version: '0.1.0', checksVersion: '1.0.0', protocolCommit: 'fb30760' },
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:04:35.500Z',
    strict: false,
    config: {
      client: `OLLAMA_API_KEY=${SECRETS.envToken} ./client`,
      jobs: 2,
      timeoutMs: 20000,
      tokenTtl: 3600,
      strict: false,
      apiKey: SECRETS.apiKey,
      basic: { user: 'oac', pass: SECRETS.basicPass },
      proxyUrl: `http://oac:${SECRETS.basicPass}@127.0.0.1:3128`,
      headers: { Authorization: SECRETS.authHeader, Accept: 'application/json' },
      keyPath: '/home/u/.ollama/id_ed25519',
      clientKey: '/tmp/pki/client.key',
      clientKeyPem: PRIVATE_KEY_PEM,
      seedHex: SECRETS.seedHex,
      registryTokens: [SECRETS.token, 'another-token-value'],
      note: 'Basic credentials are checked',
    },
    client: { mode: 'exec', command: `OLLAMA_API_KEY=${SECRETS.envToken} ./client`, contract: 'oac-exec/1' },
    scenarios: scenarios(),
    unexpectedPasses: [{ scenario: 'registry/golden', check: 'registry/token-url/realm', reason: 'issue #12' }],
    secrets: [SECRETS.apiKey, SECRETS.basicPass, SECRETS.token],
    ...overrides,
  };
}

/** What the fixture's verdicts add up to, counted by hand. */
export const EXPECTED = {
  pass: 5, // golden 2, skew 1, tls 1, keys 1
  fail: 3, // F-02 2, tls 1 (expected failure)
  nonStrict: 1,
  skip: 1,
  error: 2, // apikey 1, keys/missing synthesised harness error
  scenarios: 7,
} as const;

export function allText(x: unknown): string {
  return typeof x === 'string' ? x : JSON.stringify(x);
}
