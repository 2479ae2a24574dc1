/**
 * The harness is falsifiable: every known-bad client in examples/mutants/catalog.json is caught, in each
 * scenario its catalog entry names, by every check named there (so a verdict says why): `fail` for a MUST,
 * `non-strict` for a SHOULD. A mutant whose entry names a MUST check must fail the run; one that only
 * breaks SHOULD rules (hardening beyond Ollama's own client) shows as non-strict.
 */
import { describe, expect, test } from '@jest/globals';
import { resolve } from 'node:path';
import { judgeMutant, loadMutantCatalog, runMutationMatrix, type MutantRow } from '../../src/conformance/matrix.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { allChecks } from '../../src/specs/catalog.js';
import type { CheckId } from '../../src/check-ids.js';

const catalog = loadMutantCatalog(resolve('examples/mutants/catalog.json'));
const scenarios = loadScenarios();
const levels = new Map(allChecks().map((c) => [c.id, c.level]));
const namesMust = (name: string): boolean => catalog.mutants.find((m) => m.name === name)!.mustBeCaughtBy.some((e) => e.checks.some((c) => levels.get(c) === 'MUST'));

describe('mutation matrix', () => {
  let rows: MutantRow[];

  test('runs every mutant on the scenarios its entry names', async () => {
    rows = await runMutationMatrix(catalog, scenarios, { onlyNamedScenarios: true, jobs: 2 });
    expect(rows).toHaveLength(catalog.mutants.length);
    expect(catalog.mutants.length).toBeGreaterThanOrEqual(49);
  }, 600_000);

  test.each(catalog.mutants.map((m) => [m.name, m.mustBeCaughtBy.flatMap((e) => e.checks.map((c) => `${e.scenario} → ${c}`)).join(', ')]))(
    '%s is caught by %s', (name) => {
      const row = rows.find((r) => r.name === name)!;
      expect(row.errors).toEqual([]);
      expect(row.missed).toEqual([]);
      expect((namesMust(name) ? row.caughtByMust : row.caughtByShould).length).toBeGreaterThan(0);
    });

  test('judgeMutant reports a mutant that slips through, and one caught only elsewhere', () => {
    const entry = { name: 'x', bug: 'b', command: 'c', mustBeCaughtBy: [{ scenario: 'S', checks: ['registry/realm/same-host'] }] };
    const verdict = (check: CheckId, v: 'pass' | 'fail') => ({ check, verdict: v, level: 'MUST' as const, message: '' });
    const result = (verdicts: ReturnType<typeof verdict>[]) => [{ id: 'S', title: '', flow: 'registry' as const, action: 'registry-manifest' as const, verdict: 'pass' as const, verdicts, client: undefined, observations: [], reproduce: '', durationMs: 0 }];
    expect(judgeMutant(entry, result([verdict('registry/realm/same-host', 'pass')]))).toMatchObject({ ok: false, caughtByMust: [], missed: [{ scenario: 'S', check: 'registry/realm/same-host', verdict: 'pass' }] });
    expect(judgeMutant(entry, result([verdict('registry/realm/same-host', 'pass'), verdict('errors/surfaced', 'fail')]))).toMatchObject({ ok: false, caughtByMust: ['errors/surfaced'] });
    expect(judgeMutant(entry, result([verdict('registry/realm/same-host', 'fail')]))).toMatchObject({ ok: true });
  });
});
