/**
 * The conformance server serves the scenario's cassette: the recorded responses, with the recorded
 * hosts rewritten to the server itself and redacted values (token, account fields) filled fresh.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { cassetteOverlay, loadCassetteOverlay, servableCassettes } from '../../src/conformance/cassette.js';
import { runCheck } from '../../src/conformance/runner.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import type { Reply } from '../../src/emulator/replies.js';

const scenarios = loadScenarios();
const byId = (id: string) => scenarios.find((s) => s.id === id)!;

describe('cassette overlay', () => {
  const overlay = loadCassetteOverlay('registry/pull-manifest.har', () => 'http://127.0.0.1:4242');
  const reply = (status: number, body: string): Reply => ({ status, headers: { 'Content-Type': 'application/json' }, body, findings: [] });

  test('the challenge is the recorded one, realm and service rewritten to the server', () => {
    const out = overlay.apply('challenge', reply(401, '{}'));
    expect(out.headers['www-authenticate']).toBe('Bearer realm="http://127.0.0.1:4242/v2/token",service="127.0.0.1:4242",scope="repository:library/llama3:pull"');
    expect(out.body).toBe('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  });

  test('the token placeholder is filled with the token the emulator issued for this request', () => {
    const out = overlay.apply('token', reply(200, '{"token":"fresh-token"}'));
    expect(JSON.parse(String(out.body))).toEqual({ token: 'fresh-token' });
  });

  test('a request the emulator refused keeps the refusal (the recording is not a free pass)', () => {
    const refused = reply(401, '');
    expect(overlay.apply('resource', refused)).toBe(refused);
  });

  test('a broken cassette is a harness error naming it', () => {
    expect(() => loadCassetteOverlay('registry/does-not-exist.har', () => 'http://x')).toThrow(/cassette registry\/does-not-exist.har cannot be served: .*no such file/);
  });
});

describe('the cassettes of one run', () => {
  test('each is loaded once, and every overlay over it keeps its own position', () => {
    const cassette = servableCassettes();
    const loaded = cassette('registry/pull-manifest.har');
    expect(cassette('registry/pull-manifest.har')).toBe(loaded);
    const first = cassetteOverlay('registry/pull-manifest.har', loaded, () => 'http://127.0.0.1:4242');
    const second = cassetteOverlay('registry/pull-manifest.har', loaded, () => 'http://127.0.0.1:4343');
    const challenge = { status: 401, headers: {}, body: '{}', findings: [] } satisfies Reply;
    first.apply('challenge', challenge);
    // The second scenario starts at the first recorded challenge, with its own origin.
    expect(second.apply('challenge', challenge).headers['www-authenticate']).toContain('realm="http://127.0.0.1:4343/v2/token"');
  });

  test('a broken cassette fails every scenario that serves it with the same harness error', () => {
    const cassette = servableCassettes();
    const errors = [0, 1].map(() => {
      try {
        cassette('registry/does-not-exist.har');
        return undefined;
      } catch (err) {
        return err;
      }
    });
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[1]).toBe(errors[0]);
    expect((errors[0] as Error).message).toMatch(/^cassette registry\/does-not-exist.har cannot be served: .*no such file/);
  });
});

test('end to end: registry/golden serves the recorded manifest byte for byte, whoami the recorded account shape', async () => {
  const outcome = await runCheck({ client: 'oac client', scenarios: [byId('registry/golden'), byId('direct/golden-whoami')] });
  const [registry, whoami] = outcome.results;
  const har = JSON.parse(readFileSync('recordings/registry/pull-manifest.har', 'utf8')) as { log: { entries: { _oac: { role: string }; response: { content: { text: string } } }[] } };
  const recordedManifest = har.log.entries.find((e) => e._oac.role === 'retry')!.response.content.text;
  const served = registry!.observations.find((o) => o.role === 'resource' && o.status === 200)!;
  expect(served.responseBody).toBe(recordedManifest);
  expect(registry!.client?.stdout).toBe(recordedManifest);
  const account = JSON.parse(whoami!.client!.stdout) as Record<string, string>;
  expect(Object.keys(account).sort()).toEqual(['email', 'id', 'name', 'plan']);
  expect(Object.values(account).some((v) => v.startsWith('<'))).toBe(false);
  expect(outcome.exitCode).toBe(0);
});
