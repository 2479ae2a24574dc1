/**
 * Every verdict kind, produced by a real client process that misbehaves in one specific way, judged
 * through the real conformance server. These pin what a user sees for each failure shape.
 */
import { describe, expect, test } from '@jest/globals';
import { runCheck } from '../../src/conformance/runner.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import type { Scenario, ScenarioResult } from '../../src/conformance/types.js';

const all = loadScenarios();
const byId = (id: string): Scenario => {
  const s = all.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
};

async function one(client: string, scenario: Scenario | string, timeoutMs = 10_000): Promise<ScenarioResult> {
  const outcome = await runCheck({ client, scenarios: [typeof scenario === 'string' ? byId(scenario) : scenario], timeoutMs });
  return outcome.results[0]!;
}

const verdictOf = (r: ScenarioResult, check: string) => r.verdicts.find((v) => v.check === check);

describe('verdict kinds', () => {
  test('a client that hangs: error, with the kill noted, never blamed as a fail', async () => {
    const started = Date.now();
    const r = await one("sh -c 'sleep 60'", 'direct/golden-tags', 1_500);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(r.verdict).toBe('error');
    expect(r.client?.timedOut).toBe(true);
    expect(r.client?.killed).toBe(true);
    expect(verdictOf(r, 'errors/surfaced')).toMatchObject({ verdict: 'error', message: expect.stringContaining('the harness killed it (SIGTERM, then SIGKILL after 2 s)') });
  });

  test('a client that crashes: fail, naming the signal', async () => {
    const r = await one("sh -c 'kill -SEGV $$'", 'F-07');
    expect(r.verdict).toBe('fail');
    expect(verdictOf(r, 'errors/surfaced')).toMatchObject({ verdict: 'fail', message: 'the client crashed (SIGSEGV) instead of failing with an error' });
  });

  test('a client that prints garbage after a real handshake: fail, expected body vs what it printed', async () => {
    const r = await one("sh -c 'oac client \"$0\" \"$1\" >/dev/null && echo garbage'", 'direct/golden-tags');
    expect(r.verdict).toBe('fail');
    const v = verdictOf(r, 'errors/surfaced');
    expect(v).toMatchObject({ verdict: 'fail', message: 'the client exited 0 but did not print the body the server sent', actual: 'garbage\n' });
    expect(v?.expected).toContain('"models"');
  });

  test('a client that exits 0 after a failed handshake: fail, the failure did not surface', async () => {
    const r = await one("sh -c 'echo \"{}\"'", 'F-07');
    expect(verdictOf(r, 'errors/surfaced')).toMatchObject({ verdict: 'fail', message: 'the client exited 0 after a failed handshake: the failure did not surface' });
  });

  test('a client that claims success without ever getting it: fail', async () => {
    const r = await one("sh -c 'echo \"{\\\"models\\\":[]}\"'", 'direct/golden-tags');
    expect(verdictOf(r, 'errors/surfaced')).toMatchObject({ verdict: 'fail', message: expect.stringContaining('never answered its operation successfully') });
  });

  test('a client that declares an action unsupported: skip', async () => {
    const r = await one("sh -c 'echo \"unsupported action $0\" >&2; exit 3'", 'registry/golden');
    expect(r.verdict).toBe('skip');
    expect(r.verdicts.every((v) => v.verdict === 'skip')).toBe(true);
  });

  test('a SHOULD broken (API key sent across a redirect to another host): non-strict, and the leak is observed', async () => {
    const r = await one("sh -c 'curl -sS --fail-with-body -L --location-trusted -H \"Authorization: Bearer $OLLAMA_API_KEY\" \"$1/api/tags\"'", 'apikey/redirect-other-host');
    expect(verdictOf(r, 'apikey/origin-scoped')).toMatchObject({ verdict: 'non-strict', message: 'the client sent its bearer credential to another host' });
    expect(r.observations.some((o) => o.listener === 'other' && /^Bearer <\d+ chars>$/.test(String(o.headers['authorization'])))).toBe(true);
  });

  test('the harness breaking is error, never the client\'s fail', async () => {
    const broken: Scenario = { ...byId('tls/custom-ca'), id: 'tls/broken', mutation: [{ op: 'set-tls', target: 'server', certificate: 'expired' }] };
    const r = await one('oac client', broken);
    expect(r.verdict).toBe('error');
    expect(r.harnessError).toContain('set-tls certificate "expired" is not implemented');
  });

  test('a correct client passes, whoever wrote it (reference client, all flows golden)', async () => {
    const outcome = await runCheck({ client: 'oac client', scenarios: all.filter((s) => s.tags?.includes('golden')), jobs: 2 });
    expect(outcome.results.map((r) => [r.id, r.verdict])).toEqual(outcome.results.map((r) => [r.id, 'pass']));
    expect(outcome.exitCode).toBe(0);
  });
});
