/**
 * Every check in specs/checks.json is exercised: a scenario decides it, or a test names it (by id, in a
 * test title or assertion) while asserting the behaviour. A check nobody exercises is a promise the
 * harness does not keep, so adding one without a scenario or test fails here.
 */
import { expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allChecks } from '../../src/specs/catalog.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? testFiles(path) : path.endsWith('.test.ts') && !path.endsWith('coverage.test.ts') ? [path] : [];
  });
}

test('every check has a source and is exercised by a scenario or a test', () => {
  const byScenario = new Set(loadScenarios().flatMap((s) => s.expect.checks));
  const testText = testFiles('test').map((f) => readFileSync(f, 'utf8')).join('\n');
  const unexercised = allChecks()
    .filter((c) => !byScenario.has(c.id) && !new RegExp(`['"(\\s]${c.id.replace(/[/-]/g, '\\$&')}['")\\s,]`).test(testText))
    .map((c) => c.id);
  expect(unexercised).toEqual([]);
  expect(allChecks().filter((c) => c.source.length === 0).map((c) => c.id)).toEqual([]);
});
