/**
 * What a reviewer sees of `oac check` for a client that fails one scenario: the verdict on the first
 * line and the failure (its id, Expected, Actual, Reproduce) within the first 15 lines of stdout and
 * stderr together, as a CI log or a pasted terminal shows them; no progress lines in between when stderr
 * is not a terminal. Then the saved results.json renders again with the failing step found.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCheckOutput } from '../../src/cli/check-output.js';
import { renderSavedRun } from '../../src/cli/report.js';
import { run, scenarios } from '../report/fixture.js';
import { CLI } from '../helpers/cli.js';

/** A client from the mutant zoo that sends its signed token request to whatever host the realm names. */
const CLIENT = '/usr/bin/python3 examples/mutants/mutant.py no-realm-host-check';
/** It fails F-02 and passes the other two. */
const SCENARIOS = 'registry/golden,F-02,direct/golden-whoami';

const scratch = mkdtempSync(join(tmpdir(), 'oac-check-output-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let status: number | null;
let lines: string[];

beforeAll(() => {
  // stderr into stdout, in the order written: what a CI log shows.
  const r = spawnSync('/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', process.execPath, CLI, 'check', '--client', CLIENT, '--scenario', SCENARIOS, '--report-dir', scratch], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  status = r.status;
  lines = r.stdout.split('\n');
}, 70_000);

describe('oac check, one failing scenario', () => {
  test('exit 1; the verdict is the first line', () => {
    expect(status).toBe(1);
    // Check counts follow the scenario files; the shape and the failing scenario do not.
    expect(lines[0]).toMatch(/^FAILED: 1 failing scenario \(F-02\) · 3 scenarios, \d+ checks: \d+ pass, [1-9]\d* fail, 0 non-strict, 0 skip, 0 error$/);
  });

  test('the failing scenario, its Expected, Actual and Reproduce are within the first 15 lines', () => {
    const head = lines.slice(0, 15);
    expect(head).toContain('FAIL       F-02  Realm on another host');
    expect(head).toContain('    FAIL       registry/realm/same-host (MUST)  the client sent its signed Authorization to another host');
    expect(head).toContain('        Expected: no credential sent to another host');
    expect(head).toContain('        Actual:   Authorization: signature');
    expect(head).toContain(`    Reproduce: oac check --client '${CLIENT}' --scenario 'F-02'`);
  });

  test('passing scenarios are one count line (no --verbose), the summary line and the report files come last', () => {
    expect(lines).toContain('PASS       2 scenarios (--verbose lists them)');
    expect(lines.filter((l) => l.startsWith('PASS ') || l.startsWith('FAIL ')).length).toBe(2);
    const tail = lines.slice(-4);
    expect(tail[0]).toMatch(/^3 scenarios, \d+ checks: .* → FAILED$/);
    expect(tail.slice(1)).toEqual(['', `reports: ${join(scratch, 'results.json')}, ${join(scratch, 'junit.xml')}, ${join(scratch, 'report.html')}`, '']);
  });

  test('the saved results.json renders again: the Markdown summary names the failure, the HTML highlights its step', () => {
    const md = renderSavedRun(join(scratch, 'results.json'), 'md');
    expect(md.startsWith('## ❌ FAILED: 1 failing scenario \\(F-02\\)')).toBe(true);
    expect(md).toContain('| FAIL | F-02 | registry/realm/same-host | MUST | the client sent its signed Authorization to another host | no credential sent to another host | Authorization\\: signature |');
    const html = renderSavedRun(join(scratch, 'results.json'), 'html');
    expect(html).toMatch(/<g class="step bad" data-step="1">.*other host|other host.*<g class="step bad" data-step="1">/s);
  });
});

describe('live progress', () => {
  function sink(isTTY: boolean): { stream: NodeJS.WritableStream & { isTTY?: boolean }; text: () => string } {
    let text = '';
    const stream = { isTTY, write: (chunk: string) => { text += chunk; return true; } } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
    return { stream, text: () => text };
  }

  test('on a terminal: one line rewritten in place, cleared before the report', () => {
    const err = sink(true);
    const out = sink(false);
    const output = renderCheckOutput(err.stream, 7);
    for (const s of scenarios().slice(0, 2)) output.progress(s);
    expect(err.text()).toBe('\r\u001b[K[1/7] no failure so far · last: registry/golden\r\u001b[K[2/7] 1 failing · last: F-02');
    output.finish(run(), out.stream);
    expect(err.text().endsWith('\r\u001b[K')).toBe(true);
    expect(out.text().startsWith('FAILED: ')).toBe(true);
  });

  test('in a pipe or a CI log: no progress at all', () => {
    const err = sink(false);
    const output = renderCheckOutput(err.stream, 7);
    for (const s of scenarios()) output.progress(s);
    output.finish(run(), sink(false).stream);
    expect(err.text()).toBe('');
  });

  test('--verbose reaches the report', () => {
    const out = sink(false);
    renderCheckOutput(sink(false).stream, 7, { verbose: true }).finish(run(), out.stream);
    expect(out.text()).toContain('PASS       registry/golden  Golden registry flow');
  });
});
