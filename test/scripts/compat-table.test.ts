/**
 * The compatibility table (scripts/compat-table-lib.mjs) from hand-made results.json documents: which
 * rows appear, the symbol of each verdict, the counts, and the README replacement that must leave
 * everything outside the markers byte for byte and refuse to guess where a table goes without them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProcess } from '../helpers/process.js';
import {
  buildCompatTable, checkVerdicts, END_MARKER, flowCounts, replaceBetweenMarkers, START_MARKER, symbolFor, worst,
  type ResultsLike, type VerdictKind,
} from '../../scripts/compat-table-lib.mjs';

type V = { check: string; verdict: VerdictKind; level?: 'MUST' | 'SHOULD' };

function results(scenarios: { id: string; flow: string; verdicts: V[] }[]): ResultsLike {
  const summary: Record<VerdictKind, number> = { pass: 0, fail: 0, 'non-strict': 0, skip: 0, error: 0 };
  for (const s of scenarios) for (const v of s.verdicts) summary[v.verdict] += 1;
  const total = Object.values(summary).reduce((a, b) => a + b, 0);
  return { version: '1', scenarios, summary: { total, ...summary, scenarios: scenarios.length, ok: summary.fail + summary.error === 0 } };
}

const must = (check: string, verdict: VerdictKind): V => ({ check, verdict, level: 'MUST' });
const should = (check: string, verdict: VerdictKind): V => ({ check, verdict, level: 'SHOULD' });

/** Client A: one MUST failed, one SHOULD missed, a check only it was judged on. */
const A = results([
  { id: 'reg/golden', flow: 'registry', verdicts: [must('registry/one', 'pass'), must('registry/two', 'pass')] },
  { id: 'key/bad', flow: 'apikey', verdicts: [must('apikey/three', 'fail')] },
  { id: 'key/good', flow: 'apikey', verdicts: [must('apikey/three', 'pass'), should('apikey/four', 'non-strict'), must('keys/five', 'fail')] },
]);
/** Client B: registry unsupported (skip), a harness error, everything else passed. */
const B = results([
  { id: 'reg/golden', flow: 'registry', verdicts: [must('registry/one', 'skip'), must('registry/two', 'skip')] },
  { id: 'key/bad', flow: 'apikey', verdicts: [must('apikey/three', 'error')] },
  { id: 'key/good', flow: 'apikey', verdicts: [must('apikey/three', 'pass'), should('apikey/four', 'pass')] },
]);

describe('buildCompatTable', () => {
  const table = buildCompatTable([{ name: 'A', results: A }, { name: 'B', results: B }], { checkOrder: ['registry/one', 'keys/five', 'apikey/four', 'apikey/three'] });
  const rows = table.split('\n').filter((l) => l.startsWith('|'));

  test('flow rows, then the checks some client does not pass (catalogue order), then the verdict counts', () => {
    expect(rows).toEqual([
      '| flow / check | A | B |',
      '| --- | --- | --- |',
      '| **registry** (1 scenario) | ✅ 1 | ➖ 1 |',
      '| **apikey** (2 scenarios) | ❌ 2 | ✅ 1 💥 1 |',
      '| `keys/five` (MUST) | ❌ `key/good` | ➖ |',
      '| `apikey/four` (SHOULD) | ⚠️ `key/good` | ✅ |',
      '| `apikey/three` (MUST) | ❌ `key/bad` | 💥 `key/bad` |',
      '| ✅ pass (checks) | 3 | 2 |',
      '| ❌ fail (checks) | 2 | 0 |',
      '| ⚠️ non-strict (checks) | 1 | 0 |',
      '| ➖ skip (checks) | 0 | 2 |',
      '| 💥 error (checks) | 0 | 1 |',
    ]);
  });

  test('checks every client passes or skips get no row (registry/one, registry/two)', () => {
    expect(table).not.toContain('registry/one');
    expect(table).not.toContain('registry/two');
  });

  test('a legend names every symbol; the table ends with a newline', () => {
    for (const fragment of ['✅ pass', '❌ fail (a MUST broken)', '⚠️ non-strict (a SHOULD)', '➖ skip', '💥 error (the harness broke, not the client)']) {
      expect(table).toContain(fragment);
    }
    expect(table.endsWith('\n')).toBe(true);
  });

  test('no failing check: only flows and counts, and the legend says so', () => {
    const clean = buildCompatTable([{ name: 'ref', results: results([{ id: 's', flow: 'basic', verdicts: [must('basic/x', 'pass')] }]) }]);
    expect(clean.split('\n').filter((l) => l.startsWith('|'))).toEqual([
      '| flow / check | ref |',
      '| --- | --- |',
      '| **basic** (1 scenario) | ✅ 1 |',
      '| ✅ pass (checks) | 1 |',
      '| ❌ fail (checks) | 0 |',
      '| ⚠️ non-strict (checks) | 0 |',
      '| ➖ skip (checks) | 0 |',
      '| 💥 error (checks) | 0 |',
    ]);
    expect(clean).toContain('(none this time)');
  });

  test('a check failing in many scenarios names three of them and counts the rest; checks outside the order sort by id after it', () => {
    const many = results(['s1', 's2', 's3', 's4', 's5'].map((id) => ({ id, flow: 'tls', verdicts: [must('tls/z', 'fail'), must('tls/a', 'fail')] })));
    const rows5 = buildCompatTable([{ name: 'X', results: many }], { checkOrder: ['tls/z'] }).split('\n').filter((l) => l.includes('`tls/'));
    expect(rows5).toEqual([
      '| `tls/z` (MUST) | ❌ `s1`, `s2`, `s3` +2 more |',
      '| `tls/a` (MUST) | ❌ `s1`, `s2`, `s3` +2 more |',
    ]);
  });

  test('refuses no columns, duplicate names and documents that are not results.json', () => {
    expect(() => buildCompatTable([])).toThrow('at least one client column');
    expect(() => buildCompatTable([{ name: 'A', results: A }, { name: 'A', results: B }])).toThrow('two client columns are named "A"');
    expect(() => buildCompatTable([{ name: 'junk', results: { scenarios: 'no' } as unknown as ResultsLike }])).toThrow('results of junk are not an oac results.json document');
  });
});

describe('verdict helpers', () => {
  test('symbols, and worst() orders skip < pass < non-strict < fail < error as the judge does', () => {
    expect((['pass', 'fail', 'non-strict', 'skip', 'error'] as VerdictKind[]).map(symbolFor)).toEqual(['✅', '❌', '⚠️', '➖', '💥']);
    expect(worst([])).toBe('skip');
    expect(worst(['skip', 'pass'])).toBe('pass');
    expect(worst(['pass', 'non-strict', 'skip'])).toBe('non-strict');
    expect(worst(['non-strict', 'fail', 'pass'])).toBe('fail');
    expect(worst(['fail', 'error'])).toBe('error');
    expect(() => symbolFor('maybe' as VerdictKind)).toThrow('unknown verdict "maybe"');
  });

  test('checkVerdicts: worst over scenarios, with the scenarios where it went wrong', () => {
    expect(Object.fromEntries(checkVerdicts(A))).toEqual({
      'registry/one': { verdict: 'pass', level: 'MUST', bad: [] },
      'registry/two': { verdict: 'pass', level: 'MUST', bad: [] },
      'apikey/three': { verdict: 'fail', level: 'MUST', bad: ['key/bad'] },
      'apikey/four': { verdict: 'non-strict', level: 'SHOULD', bad: ['key/good'] },
      'keys/five': { verdict: 'fail', level: 'MUST', bad: ['key/good'] },
    });
  });

  test('flowCounts: each scenario counted once, by its worst verdict', () => {
    expect(Object.fromEntries(flowCounts(B))).toEqual({
      registry: { pass: 0, fail: 0, 'non-strict': 0, skip: 1, error: 0 },
      apikey: { pass: 1, fail: 0, 'non-strict': 0, skip: 0, error: 1 },
    });
  });
});

describe('the intercepted column set', () => {
  const load = async () => import('../../scripts/compat-table-lib.mjs');

  test('the examples run every action but basic-tags with its public URL; the providers run their own commands', async () => {
    const { INTERCEPT_CLIENTS } = await load();
    expect(INTERCEPT_CLIENTS.map((c) => c.name)).toEqual(['reference', 'Go', 'Python', 'shell', 'python-requests provider', 'python-httpx provider', 'ollama-js provider']);
    // The reference client reads the proxy variables as Ollama's Go client does, so it runs as it ships too.
    expect(INTERCEPT_CLIENTS.find((c) => c.name === 'reference')?.runs[0]).toEqual({
      action: 'registry-manifest', command: 'node dist/cli/main.js client registry-manifest https://registry.ollama.ai/v2/library/llama3/manifests/latest',
    });
    expect(INTERCEPT_CLIENTS.find((c) => c.name === 'Go')?.runs).toEqual([
      { action: 'registry-manifest', command: 'examples/go/run.sh registry-manifest https://registry.ollama.ai/v2/library/llama3/manifests/latest' },
      { action: 'cloud-tags', command: 'examples/go/run.sh cloud-tags https://ollama.com' },
      { action: 'cloud-whoami', command: 'examples/go/run.sh cloud-whoami https://ollama.com' },
      { action: 'apikey-tags', command: 'examples/go/run.sh apikey-tags https://ollama.com' },
    ]);
    expect(INTERCEPT_CLIENTS.find((c) => c.name === 'ollama-js provider')?.runs).toEqual([{ action: 'apikey-tags', command: 'node examples/providers/ollama-js/provider.mjs list-models' }]);
  });

  test('mergeResults: one column out of the runs of several actions (scenarios in order, counts added)', async () => {
    const { mergeResults } = await load();
    const merged = mergeResults([A, B]);
    expect(merged.scenarios.map((s) => s.id)).toEqual(['reg/golden', 'key/bad', 'key/good', 'reg/golden', 'key/bad', 'key/good']);
    expect(merged.summary).toEqual({ total: 11, pass: 5, fail: 2, 'non-strict': 1, skip: 2, error: 1, scenarios: 6, ok: false });
    expect(buildCompatTable([{ name: 'merged', results: merged }]).split('\n')).toContain('| ✅ pass (checks) | 5 |');
    expect(() => mergeResults([])).toThrow('mergeResults needs at least one results.json document');
  });
});

describe('replaceBetweenMarkers', () => {
  const before = '# Project\n\n## Compatibility\n\nIntro text | with a pipe.\n\n';
  const after = '\n\nMore text after.\n<!-- another comment -->\n';

  test('replaces only what is between the markers; text outside is byte-identical; doing it twice changes nothing', () => {
    const readme = `${before}${START_MARKER}\nold table\nold legend\n${END_MARKER}${after}`;
    const once = replaceBetweenMarkers(readme, '| new | table |\n');
    expect(once).toBe(`${before}${START_MARKER}\n| new | table |\n${END_MARKER}${after}`);
    expect(once.startsWith(`${before}${START_MARKER}`)).toBe(true);
    expect(once.endsWith(`${END_MARKER}${after}`)).toBe(true);
    expect(replaceBetweenMarkers(once, '| new | table |\n')).toBe(once);
  });

  test('markers next to each other (an empty section) work; a table without a final newline gets one', () => {
    expect(replaceBetweenMarkers(`a${START_MARKER}${END_MARKER}b`, 'T')).toBe(`a${START_MARKER}\nT\n${END_MARKER}b`);
  });

  test('missing, repeated or reversed markers: a clear error naming the file', () => {
    expect(() => replaceBetweenMarkers('# README without markers\n', 'T', 'README.md')).toThrow(
      'README.md must contain <!-- compat-table:start --> and <!-- compat-table:end --> exactly once each (found 0 and 0)');
    expect(() => replaceBetweenMarkers(`${START_MARKER}\n`, 'T')).toThrow('(found 1 and 0)');
    expect(() => replaceBetweenMarkers(`${START_MARKER}${START_MARKER}${END_MARKER}`, 'T')).toThrow('(found 2 and 1)');
    expect(() => replaceBetweenMarkers(`${END_MARKER}x${START_MARKER}`, 'T', 'X.md')).toThrow(`X.md: ${END_MARKER} comes before ${START_MARKER}`);
  });
});

describe('scripts/compat-table.mjs --write', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'oac-compat-test-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a file without the markers: exit 1, one clear line, the file untouched, no client run', async () => {
    const file = path.join(dir, 'README.md');
    writeFileSync(file, '# No markers here\n');
    const started = Date.now();
    const r = await runProcess(process.execPath, [path.resolve('scripts/compat-table.mjs'), '--write', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`compat-table: ${file} must contain ${START_MARKER} and ${END_MARKER} exactly once each (found 0 and 0): add them under a "Compatibility" heading where the table belongs\n`);
    expect(readFileSync(file, 'utf8')).toBe('# No markers here\n');
    // It checks the markers first: a suite run would take seconds per client.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
