/**
 * Coverage that reaches clients. A check that `oac check` never applies to a client is a promise the harness
 * does not keep: a client that breaks that rule passes the whole suite. So every check of specs/checks.json
 * must be provoked where it is judged:
 *
 * - a client check: a mutant of examples/mutants/catalog.json breaks that rule and names a scenario in which
 *   that very check must catch it (test/conformance/matrix.test.ts runs each mutant there and fails if the
 *   check does not come out fail/non-strict); or the check says in `unprovokable` why no scenario can;
 * - a probe check (flows ["probe"], judged on deployments, not clients): a deployment of the proxy zoo
 *   (examples/proxies/zoo/catalog.json) lists it among the checks `oac probe` must fail.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { allChecks, type CheckEntry } from '../../src/specs/catalog.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { loadMutantCatalog } from '../../src/conformance/matrix.js';

const MUTANT_CATALOG = 'examples/mutants/catalog.json';
const PROXY_ZOO = 'examples/proxies/zoo/catalog.json';

const checks = allChecks();
const isProbe = (c: CheckEntry): boolean => c.flows.includes('probe');
const clientChecks = checks.filter((c) => !isProbe(c));
const probeChecks = checks.filter(isProbe);
const unprovokable = (c: CheckEntry): string | undefined => (c as CheckEntry & { unprovokable?: string }).unprovokable;

/** check id → `<mutant> in <scenario>` for every mutant catalogued to be caught by that check. */
function provokers(): Map<string, string[]> {
  const byCheck = new Map<string, string[]>();
  for (const mutant of loadMutantCatalog(MUTANT_CATALOG).mutants) {
    for (const c of mutant.mustBeCaughtBy) {
      for (const id of c.checks) byCheck.set(id, [...(byCheck.get(id) ?? []), `${mutant.name} in ${c.scenario}`]);
    }
  }
  return byCheck;
}

/** A test file that names the check, or a vector file whose `checks` (file-wide or per test) list it. */
function namesCheck(file: string, id: string): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.test.ts')) return text.includes(`'${id}'`) || text.includes(`(${id}`) || text.includes(` ${id} `) || text.includes(` ${id})`);
  const doc = JSON.parse(text) as { checks?: string[]; tests?: { checks?: string[] }[] };
  return [...(doc.checks ?? []), ...(doc.tests ?? []).flatMap((t) => t.checks ?? [])].includes(id);
}

describe('client checks', () => {
  test('each is provoked by a mutant caught by that very check in a named scenario, or says why none can be', () => {
    const byCheck = provokers();
    const problems = clientChecks.flatMap((c) => {
      const by = byCheck.get(c.id) ?? [];
      const why = unprovokable(c);
      if (by.length === 0 && why === undefined) {
        return [`${c.id}: no mutant in ${MUTANT_CATALOG} is caught by it (add one with a scenario that provokes it), and no "unprovokable" reason in specs/checks.json`];
      }
      if (by.length > 0 && why !== undefined) {
        return [`${c.id}: marked unprovokable ("${why.slice(0, 60)}…"), yet provoked by ${by.join(', ')}: drop the reason`];
      }
      return [];
    });
    expect(problems).toEqual([]);
  });

  test('every scenario a mutant is mapped to exists, so the matrix can run it', () => {
    const ids = new Set(loadScenarios().map((s) => s.id));
    const missing = loadMutantCatalog(MUTANT_CATALOG).mutants.flatMap((m) => m.mustBeCaughtBy.filter((c) => !ids.has(c.scenario)).map((c) => `${m.name}: ${c.scenario}`));
    expect(missing).toEqual([]);
  });

  test('an unprovokable reason names where the rule is checked instead: a test file or a vector file that names the check', () => {
    const problems = clientChecks.flatMap((c) => {
      const why = unprovokable(c);
      if (why === undefined) return [];
      const files = [...why.matchAll(/\b(?:test\/[\w/.-]+\.test\.ts|specs\/vectors\/[\w.-]+\.json)\b/g)].map((m) => m[0]);
      if (files.length === 0) return [`${c.id}: the unprovokable reason names no test/…/*.test.ts or specs/vectors/*.json that checks the rule instead`];
      return files.filter((f) => !namesCheck(f, c.id)).map((f) => `${c.id}: ${f} does not exist or does not name ${c.id}`);
    });
    expect(problems).toEqual([]);
  });
});

describe('probe checks', () => {
  test('each is one that a deployment of the proxy zoo must fail', () => {
    if (probeChecks.length === 0) return; // none catalogued yet: nothing to cover
    if (!existsSync(PROXY_ZOO)) {
      throw new Error(`${PROXY_ZOO} does not exist: the ${probeChecks.length} probe checks (${probeChecks.map((c) => c.id).join(', ')}) are covered by the proxy zoo, whose catalogue lists for each deployment the checks oac probe must fail (mustFail)`);
    }
    const zoo = JSON.parse(readFileSync(PROXY_ZOO, 'utf8')) as { deployments?: { id: string; mustFail?: string[] }[] };
    const failedBy = new Map<string, string[]>();
    for (const d of zoo.deployments ?? []) for (const id of d.mustFail ?? []) failedBy.set(id, [...(failedBy.get(id) ?? []), d.id]);
    const problems = probeChecks.flatMap((c) => {
      const why = unprovokable(c);
      if (why === undefined) return failedBy.has(c.id) ? [] : [`${c.id}: no deployment of ${PROXY_ZOO} lists it in mustFail, and no "unprovokable" reason in specs/checks.json`];
      if (failedBy.has(c.id)) return [`${c.id}: marked unprovokable, yet ${failedBy.get(c.id)!.join(', ')} must fail it: drop the reason`];
      // No misconfiguration can show it (a precondition of the probe's own input, or a comparison with an
      // earlier recording): the reason must name the test that checks it instead.
      const files = [...why.matchAll(/\btest\/[\w/.-]+\.test\.ts\b/g)].map((m) => m[0]);
      if (files.length === 0) return [`${c.id}: the unprovokable reason names no test/…/*.test.ts that checks the rule instead`];
      return files.filter((f) => !namesCheck(f, c.id)).map((f) => `${c.id}: ${f} does not exist or does not name ${c.id}`);
    });
    expect(problems).toEqual([]);
  });
});

test('every check has a source', () => {
  expect(checks.filter((c) => c.source.length === 0).map((c) => c.id)).toEqual([]);
});
