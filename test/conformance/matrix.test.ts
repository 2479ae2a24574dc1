/**
 * The harness is falsifiable: every known-bad client in examples/mutants/catalog.json is caught by at
 * least one MUST check, and by exactly the checks its catalog entry names (so a verdict says why).
 */
import { describe, expect, test } from '@jest/globals';
import { resolve } from 'node:path';
import { judgeMutant, loadMutantCatalog, runMutationMatrix, type MutantRow } from '../../src/conformance/matrix.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';

const catalog = loadMutantCatalog(resolve('examples/mutants/catalog.json'));
const scenarios = loadScenarios();

describe('mutation matrix', () => {
  let rows: MutantRow[];

  test('runs every mutant on the scenarios its entry names', async () => {
    rows = await runMutationMatrix(catalog, scenarios, { onlyNamedScenarios: true, jobs: 2 });
    expect(rows).toHaveLength(catalog.mutants.length);
    expect(catalog.mutants.length).toBeGreaterThanOrEqual(15);
  }, 600_000);

  test.each(catalog.mutants.map((m) => [m.name, m.mustBeCaughtBy.flatMap((e) => e.checks.map((c) => `${e.scenario} → ${c}`)).join(', ')]))(
    '%s is caught by %s', (name) => {
      const row = rows.find((r) => r.name === name)!;
      expect(row.errors).toEqual([]);
      expect(row.missed).toEqual([]);
      expect(row.caughtByMust.length).toBeGreaterThan(0);
    });

  test('judgeMutant reports a mutant that slips through, and one caught only elsewhere', () => {
    const entry = { name: 'x', bug: 'b', command: 'c', mustBeCaughtBy: [{ scenario: 'S', checks: ['a/b'] }] };
    const verdict = (check: string, v: 'pass' | 'fail') => ({ check, verdict: v, level: 'MUST' as const, message: '' });
    const result = (verdicts: ReturnType<typeof verdict>[]) => [{ id: 'S', title: '', flow: 'registry' as const, action: 'registry-manifest' as const, verdict: 'pass' as const, verdicts, client: undefined, observations: [], reproduce: '', durationMs: 0 }];
    expect(judgeMutant(entry, result([verdict('a/b', 'pass')]))).toMatchObject({ ok: false, caughtByMust: [], missed: [{ scenario: 'S', check: 'a/b', verdict: 'pass' }] });
    expect(judgeMutant(entry, result([verdict('a/b', 'pass'), verdict('c/d', 'fail')]))).toMatchObject({ ok: false, caughtByMust: ['c/d'] });
    expect(judgeMutant(entry, result([verdict('a/b', 'fail')]))).toMatchObject({ ok: true });
  });
});
