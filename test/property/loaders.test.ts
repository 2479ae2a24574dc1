/**
 * Property tests of the loaders that read user files: cassettes (parseCassette, lintCassette), scenario
 * folders (loadScenarios), baselines (loadBaseline), and results.json (schema validation, and
 * `oac evidence verify` on a bundle whose results.json is anything). Inputs are structural mutations of
 * the project's own valid files, their text cut and spliced, and noise. Each loader returns or throws an
 * OacError subclass; the two that collect problems (lintCassette, verifyEvidence) never throw at all.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadBaseline } from '../../src/conformance/baseline.js';
import { loadScenarios, scenariosDir } from '../../src/conformance/scenarios.js';
import { sha256Hex, verifyEvidence, writeEvidence } from '../../src/evidence/index.js';
import { parseCassette } from '../../src/recorder/har.js';
import { lintCassette } from '../../src/recorder/lint.js';
import { toResultsJson } from '../../src/report/results-json.js';
import { parseJsonText } from '../../src/specs/load.js';
import { assertValid, validate } from '../../src/specs/validate.js';
import { run } from '../report/fixture.js';
import { check, jsonInputs, NUM_RUNS, PROPERTY_TIMEOUT_MS, typedOnly } from './support.js';

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const CASSETTES = ['recordings/registry/pull-manifest.har', 'recordings/direct/tags.har', 'recordings/basic/tags.har'].map(readJson);
const SCENARIOS = readdirSync(scenariosDir()).filter((f) => f.endsWith('.json')).slice(0, 12).map((f) => readJson(join(scenariosDir(), f)));
const BASELINES = [readJson('examples/ollama-profile/expected-failures.json'), { expectedFailures: [] }];
const RESULTS = [toResultsJson(run())];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'oac-property-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loaders under any input', () => {
  test('cassettes: parseCassette throws only CassetteError; lintCassette reports problems and never throws', () => {
    const file = join(root, 'cassette.har');
    check('cassette', 'any input', fc.property(jsonInputs(CASSETTES), (text) => {
      typedOnly(() => parseCassette(text, 'cassette.har'));
      writeFileSync(file, text);
      const problems = lintCassette(file, 'cassette.har');
      expect(Array.isArray(problems)).toBe(true);
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('scenarios: loadScenarios on a folder holding any one file throws only typed errors', () => {
    const dir = join(root, 'scenarios');
    mkdirSync(dir);
    check('scenario', 'any input', fc.property(jsonInputs(SCENARIOS), (text) => {
      writeFileSync(join(dir, 'scenario.json'), text);
      typedOnly(() => loadScenarios(dir));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('baselines: loadBaseline of any file throws only typed errors', () => {
    const file = join(root, 'baseline.json');
    check('baseline', 'any input', fc.property(jsonInputs(BASELINES), (text) => {
      writeFileSync(file, text);
      typedOnly(() => loadBaseline(file));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('results: parseJsonText and the results schema throw only typed errors; validate never throws', () => {
    check('results', 'any input', fc.property(jsonInputs(RESULTS), (text) => {
      const doc = typedOnly(() => parseJsonText(text, 'results.json'));
      if (doc instanceof Error) return;
      const result = validate('results', doc);
      expect(typeof result.ok).toBe('boolean');
      typedOnly(() => assertValid('results', doc, 'results.json'));
    }));
  }, PROPERTY_TIMEOUT_MS);

  test('oac evidence verify: a bundle whose results.json (its sum updated) is anything gives problems, never a throw', async () => {
    const dir = join(root, 'bundle');
    await writeEvidence(dir, run(), { scenarios: [], git: { kind: 'not-a-repository' }, env: {} });
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    // A tenth of the inputs: each one re-hashes the whole bundle (report.html is most of it), and the property
    // above already gives results.json itself the full count.
    check('results', 'evidence verify', fc.property(jsonInputs(RESULTS), (text) => {
      writeFileSync(join(dir, 'results.json'), text);
      writeFileSync(join(dir, 'SHA256SUMS'), sums.replace(/^[0-9a-f]{64}(?= {2}results\.json$)/m, sha256Hex(text)));
      const verdict = verifyEvidence(dir);
      expect(verdict.verified).toContain('results.json');
      if (!verdict.ok) expect(verdict.problems.every((p) => p.startsWith('results.json'))).toBe(true);
    }), Math.max(20, Math.ceil(NUM_RUNS / 10)));
  }, PROPERTY_TIMEOUT_MS);
});
