/**
 * The spec digest (one SHA-256 over the catalogue and the scenarios a run used): canonical, so formatting
 * and order do not move it; different when a requirement or the scenario set changes; and the same figure
 * in report.html and evidence.md for the same run.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toRunReport } from '../../src/cli/check-output.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { writeEvidence } from '../../src/evidence/index.js';
import { toHtmlReport } from '../../src/report/html.js';
import { installedSpecDigest, specDigest } from '../../src/report/spec-digest.js';
import { readJsonFile, specsDir } from '../../src/specs/load.js';
import { run } from './fixture.js';

const catalogue = readJsonFile(join(specsDir(), 'checks.json')) as { checks: { id: string; requirement: string }[] };
const scenarios = loadScenarios();
const scratch = mkdtempSync(join(tmpdir(), 'oac-spec-digest-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('specDigest', () => {
  test('sha256: over canonical JSON: neither key order, nor scenario order, nor the file name moves it', () => {
    const digest = specDigest(catalogue, scenarios.slice(0, 5));
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(installedSpecDigest(scenarios.slice(0, 5))).toBe(digest);
    const reverseKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(reverseKeys);
      if (typeof v !== 'object' || v === null) return v;
      return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
    };
    const reordered = reverseKeys(catalogue);
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(catalogue));
    expect(specDigest(reordered, scenarios.slice(0, 5).reverse().map((s) => ({ ...s, file: 'elsewhere.json' })))).toBe(digest);
  });

  test('one changed requirement sentence, or one more scenario, gives another digest', () => {
    const digest = specDigest(catalogue, scenarios.slice(0, 5));
    const edited = structuredClone(catalogue);
    edited.checks[0]!.requirement += ' ';
    expect(specDigest(edited, scenarios.slice(0, 5))).not.toBe(digest);
    expect(specDigest(catalogue, scenarios.slice(0, 6))).not.toBe(digest);
  });
});

test('the same run shows the same digest in report.html and evidence.md: the digest of the scenarios it judged', async () => {
  const judged = scenarios.slice(0, 3);
  const base = run();
  const results = judged.map((scenario, i) => ({ ...base.scenarios[i % base.scenarios.length]!, id: scenario.id }));
  const outcome = { results, unexpectedPasses: [], exitCode: 0 as const, startedAt: base.startedAt, finishedAt: base.finishedAt ?? base.startedAt, secrets: [] };
  const report = toRunReport(outcome, { client: './client', config: {}, strict: false });
  const digest = installedSpecDigest(judged);
  expect(report.tool.specDigest).toBe(digest);
  expect(toHtmlReport(report)).toContain(`<code>${digest}</code>`);
  const { markdown } = await writeEvidence(join(scratch, 'evidence'), report, { scenarios: judged, git: { kind: 'not-a-repository' }, env: {} });
  expect(markdown).toContain(`| Spec digest | \`${digest}\` |`);
});
