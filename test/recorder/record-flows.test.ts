/**
 * `oac record --target <emulator url>` for every flow and variant, against an emulator started here that
 * really verifies (only this test's key is authorized). Each cassette must hold what the server said
 * (statuses, challenges, bodies), with every secret of the run replaced by a placeholder, and pass the
 * cassette lint (structure, provenance schema, strict secret scan, redaction manifest).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { generateOllamaKey, type OllamaKey } from '../../src/keys/index.js';
import { lintCassette, VARIANTS, type Cassette } from '../../src/recorder/index.js';
import { lintSpecsDetailed } from '../../src/lint/specs.js';
import { specsDir } from '../../src/specs/load.js';
import { expectAbsent, randomToken, readCassette, runRecordCli, startEmulator, tempDir, type StartedEmulator } from './support.js';

const PUBLIC_ORIGIN = 'http://registry.emulated.test';
const dir = tempDir('flows');
let key: OllamaKey;
let keyFile: string;
let apiKey: string;
let basic: { user: string; pass: string };
let apiKeyFile: string;
let basicFile: string;
let target: StartedEmulator;

beforeAll(async () => {
  const generated = generateOllamaKey({ home: join(dir, 'home') });
  key = generated.key;
  keyFile = generated.privatePath;
  apiKey = `k${randomToken(40)}`;
  basic = { user: 'recorder-test', pass: randomToken(24) };
  apiKeyFile = join(dir, 'api-key');
  basicFile = join(dir, 'basic');
  writeFileSync(apiKeyFile, `${apiKey}\n`);
  writeFileSync(basicFile, `${basic.user}:${basic.pass}\n`);
  target = await startEmulator({ publicOrigin: PUBLIC_ORIGIN, authorizedKeys: [key.publicKeyField], apiKeys: [apiKey], basic });
});
afterAll(() => target.emulator.stop());

const EXPECTED: Record<string, { roles: string[]; statuses: number[] }> = {
  'registry/pull': { roles: ['challenge', 'token', 'retry'], statuses: [401, 200, 200] },
  'registry/push-scope': { roles: ['challenge', 'token', 'retry'], statuses: [401, 200, 201] },
  'registry/multiple-scopes': { roles: ['challenge', 'token', 'retry', 'challenge', 'token', 'retry'], statuses: [401, 200, 200, 401, 200, 201] },
  'direct/tags': { roles: ['resource'], statuses: [200] },
  'direct/whoami': { roles: ['resource'], statuses: [200] },
  'direct/request-uri': { roles: ['resource'], statuses: [200] },
  'api-key/tags': { roles: ['resource'], statuses: [200] },
  'basic/tags': { roles: ['resource'], statuses: [200] },
};

/** Every secret the run put on the wire, as the emulator saw it (its log keeps request targets). */
function secretsOfRun(fromEvent: number): Record<string, string> {
  const secrets: Record<string, string> = {
    'public-key field': key.publicKeyField,
    'sign-in key (base64url of the authorized_keys line)': Buffer.from(`ssh-ed25519 ${key.publicKeyField}`).toString('base64url'),
    'API key': apiKey,
    'Basic credentials': Buffer.from(`${basic.user}:${basic.pass}`).toString('base64'),
    'Basic password': basic.pass,
  };
  target.emulator.log.slice(fromEvent).forEach((event, i) => {
    const nonce = /[?&]nonce=([^&]+)/.exec(event.url)?.[1];
    if (nonce !== undefined) {
      secrets[`nonce of request ${i}`] = nonce;
      // The emulator's token is base64(<public origin + token request target>):<A>:<B>.
      secrets[`token of request ${i}`] = Buffer.from(PUBLIC_ORIGIN + event.url).toString('base64').slice(0, 60);
    }
  });
  return secrets;
}

describe('oac record against the emulator, every flow', () => {
  for (const spec of VARIANTS) {
    const name = `${spec.flow}/${spec.variant}`;
    test(`${name}: writes a cassette of the real exchange, redacted, that passes the cassette lint`, async () => {
      const out = join(dir, 'out', spec.cassette);
      const before = target.emulator.log.length;
      const run = await runRecordCli([
        'record', '--target', target.origin, '--public-origin', PUBLIC_ORIGIN, '--flow', spec.flow, '--variant', spec.variant,
        '--key', keyFile, '--api-key-file', apiKeyFile, '--basic-file', basicFile, '--out', out,
      ]);
      expect(run.error).toBeUndefined();
      const cassette: Cassette = readCassette(out);
      const entries = cassette.log.entries;
      const expected = EXPECTED[name]!;
      expect(run.stdout.split('\n')[0]).toBe(`wrote ${out} (${expected.roles.length} entries: ${expected.roles.join(', ')})`);
      expect({ roles: entries.map((e) => e._oac.role), steps: entries.map((e) => e._oac.step), statuses: entries.map((e) => e.response.status) })
        .toEqual({ roles: expected.roles, steps: expected.roles.map((_, i) => i + 1), statuses: expected.statuses });

      // The emulator verified every request of the run for real: what was sent was not altered by redaction.
      // (A push first reads the manifest it sends back, unrecorded: those requests precede the recorded ones.)
      const all = target.emulator.log.slice(before);
      const events = all.slice(all.length - entries.length);
      expect(all.slice(0, all.length - entries.length).map((e) => e.status)).toEqual(spec.prepare ? [401, 200, 200] : []);
      expect(events.map((e) => e.status)).toEqual(expected.statuses);
      expect(events.flatMap((e) => e.findings.filter((f) => !f.ok && f.id !== 'registry/token/scope-bound').map((f) => f.id))).toEqual([]);
      // The cassette keeps the exact wire URL (stable host, sorted query, ts), only the nonce replaced.
      expect(entries.map((e) => e.request.url)).toEqual(events.map((e) => `${PUBLIC_ORIGIN}${e.url.replace(/nonce=[A-Za-z0-9_-]{22}/, 'nonce=<nonce:22 base64url>')}`));

      const text = JSON.stringify(cassette);
      expectAbsent(text, secretsOfRun(before));
      expect(lintCassette(out)).toEqual([]);
      expect(cassette.log._oac).toMatchObject({ origin: 'emulator', targetHosts: ['registry.emulated.test'], flow: spec.provenanceFlow, facts: spec.facts });
    });
  }

  test('the registry challenge, token exchange and retry keep the status, allow-listed headers and bodies a replaying server needs', () => {
    const cassette = readCassette(join(dir, 'out', 'registry/pull-manifest.har'));
    const [challenge, token, retry] = cassette.log.entries;
    expect(challenge!.response.headers).toEqual([
      { name: 'content-type', value: 'application/json; charset=utf-8' },
      { name: 'docker-distribution-api-version', value: 'registry/2.0' },
      { name: 'www-authenticate', value: 'Bearer realm="http://registry.emulated.test/v2/token",service="registry.emulated.test",scope="repository:library/llama3:pull"' },
    ]);
    expect(challenge!.response.content.text).toBe('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    expect(token!.request.headers.find((h) => h.name === 'authorization')!.value).toBe('<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>');
    expect(token!.request.queryString.map((q) => q.name)).toEqual(['nonce', 'scope', 'service', 'ts']);
    expect(token!.response.content.text).toMatch(/^\{"token":"<token:opaque \d+ chars #1>"\}$/);
    const tokenPlaceholder = /"(<token:[^"]+>)"/.exec(token!.response.content.text!)![1];
    expect(retry!.request.headers.find((h) => h.name === 'authorization')!.value).toBe(`Bearer ${tokenPlaceholder}`);
    expect(retry!.response.headers.map((h) => h.name)).toEqual(['docker-distribution-api-version', 'content-type', 'docker-content-digest']);
    // Dropped: Date, Connection, Content-Length and the emulator's own X-Oac-Reason.
    expect(cassette.log.entries.flatMap((e) => e.response.headers.map((h) => h.name))).not.toContain('x-oac-reason');
  });

  test('the push challenge carries the one scope "pull,push" (comma inside the quotes); multiple-scopes holds two distinct tokens', () => {
    const push = readCassette(join(dir, 'out', 'registry/push-scope.har'));
    expect(push.log.entries[0]!.response.headers.find((h) => h.name === 'www-authenticate')!.value).toContain('scope="repository:library/llama3:pull,push"');
    const multi = readCassette(join(dir, 'out', 'registry/multiple-scopes.har'));
    const auth = multi.log.entries.map((e) => e.request.headers.find((h) => h.name === 'authorization')?.value ?? '(none)');
    expect(auth.map((a) => a.replace(/opaque \d+ chars/, 'opaque N chars'))).toEqual([
      '(none)', '<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>', 'Bearer <token:opaque N chars #1>',
      'Bearer <token:opaque N chars #1>', '<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>', 'Bearer <token:opaque N chars #2>',
    ]);
  });

  test('whoami: account fields are redacted, the plan is kept', () => {
    const cassette = readCassette(join(dir, 'out', 'direct/whoami.har'));
    expect(JSON.parse(cassette.log.entries[0]!.response.content.text!)).toEqual({
      id: '<account:id 36 chars>', email: expect.stringMatching(/^<account:email \d+ chars>$/), name: expect.stringMatching(/^<account:name \d+ chars>$/), plan: 'free',
    });
  });

  test('the specs lint still resolves every scenario cassette against the shipped recordings/', () => {
    const { problems } = lintSpecsDetailed(specsDir(), { recordingsDir: join(specsDir(), '..', 'recordings') });
    expect(problems.filter((p) => p.path === '/cassette')).toEqual([]);
  });

  test('a default output path is <recordings-dir>/<flow>/<variant>.har', async () => {
    const run = await runRecordCli([
      'record', '--target', target.origin, '--public-origin', PUBLIC_ORIGIN, '--flow', 'direct', '--key', keyFile, '--recordings-dir', join(dir, 'defaults'),
    ]);
    expect(run.error).toBeUndefined();
    expect(existsSync(join(dir, 'defaults', 'direct', 'tags.har'))).toBe(true);
  });
});
