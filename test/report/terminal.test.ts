/**
 * The verdict table a person reads: one line per check, failures expanded with what to do next, a
 * summary line, no escape sequence unless writing to a colour terminal (not even ones a client printed).
 */
import { describe, expect, test } from '@jest/globals';
import { progressLine, renderTerminal, shouldColor, summaryLine } from '../../src/report/terminal.js';
import { run, SECRETS } from './fixture.js';

const ESC = '\u001b';

describe('shouldColor', () => {
  test.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: true }, { NO_COLOR: '' }, true],
    [{ isTTY: false }, {}, false],
    [{}, {}, false],
  ])('%j with %j → %s', (stream, env, expected) => {
    expect(shouldColor(stream, env)).toBe(expected);
  });
});

describe('renderTerminal', () => {
  const plain = renderTerminal(run(), { color: false });
  const lines = plain.split('\n');

  test('without colour there is no escape sequence at all, even from client output and titles that had them', () => {
    expect(plain.includes(ESC)).toBe(false);
    expect(plain).toContain('\\x1b[31mred\\x1b[0m');
    expect(plain).toContain('stderr: \\x1b[33mwarn\\x1b[0m');
  });

  test('with colour, verdicts are coloured', () => {
    const colored = renderTerminal(run(), { color: true });
    expect(colored).toContain(`${ESC}[31mFAIL      ${ESC}[0m`);
    expect(colored).toContain(`${ESC}[32mPASS      ${ESC}[0m`);
  });

  test('a header line per scenario, passing checks on one line, one line per other check', () => {
    expect(lines.filter((l) => /^(PASS|FAIL|NON-STRICT|SKIP|ERROR) +\S/.test(l)).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['PASS', 'registry/golden'], ['FAIL', 'F-02'], ['NON-STRICT', 'direct/skew'], ['SKIP', 'basic/golden'],
      ['ERROR', 'apikey/golden'], ['FAIL', 'tls/custom-ca'], ['ERROR', 'keys/missing'],
    ]);
    // At most one PASS line per scenario: passing checks are listed together.
    expect(lines.filter((l) => l.startsWith('    PASS ')).length).toBeLessThanOrEqual(7);
    expect(lines.find((l) => l.startsWith('    PASS ') && l.includes('registry/token-url/realm'))).toMatch(/^ {4}PASS +(\S+, )*registry\/token-url\/realm(, \S+)*$/);
    expect(lines).toContain('    FAIL       tls/custom-ca (MUST) [expected failure: in the baseline]  known gap');
    expect(lines).toContain('    ERROR      harness/error (MUST)  the harness broke while running this scenario: subject/spawn: cannot start /bin/sh: ENOENT');
  });

  test('a failure is expanded: Expected, Actual (redacted), the request, how the client exited, Reproduce', () => {
    const at = lines.findIndex((l) => l.startsWith('    FAIL       registry/realm/same-host (MUST)'));
    expect(lines.slice(at + 1, at + 6)).toEqual([
      '        Expected: no request to the other host',
      `        Actual:   GET /v2/token with Authorization: AAAAC3NzaC1lZDI1NTE5AAAAI${'B'.repeat(43)}:<redacted>`,
      '        Request:  #1 GET /v2/token?ts=1 (other host) → 200 · Authorization: <68 chars>:<88 chars>',
      '        Client:   exit 0 · stderr: \\x1b[33mwarn\\x1b[0m: used AAAAC3NzaC1lZDI1NTE5AAAAI' + 'B'.repeat(43) + ':<redacted>',
      "        Reproduce: oac check --client './client' --scenario 'F-02'",
    ]);
  });

  test('the summary line, the unexpected pass, and the client line', () => {
    expect(lines[0]).toBe('client: OLLAMA_API_KEY=<redacted> ./client');
    expect(plain).toContain('unexpected pass: registry/golden registry/token-url/realm now passes; remove it from the baseline (issue #12)');
    expect(plain.endsWith('7 scenarios, 12 checks: 5 pass, 3 fail, 1 non-strict, 1 skip, 2 error (1 expected failure from the baseline) → FAILED\n')).toBe(true);
    const ok = run({ scenarios: run().scenarios.slice(0, 1), unexpectedPasses: [] });
    expect(summaryLine(ok)).toBe('1 scenario, 2 checks: 2 pass, 0 fail, 0 non-strict, 0 skip, 0 error → OK');
    expect(summaryLine(run({ strict: true, scenarios: run().scenarios.slice(2, 3) }))).toBe('1 scenario, 2 checks: 1 pass, 0 fail, 1 non-strict, 0 skip, 0 error [strict] → FAILED');
  });

  test('no planted secret', () => {
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, plain.includes(secret)]).toEqual([name, false]);
  });
});

describe('how a client ended, in words', () => {
  test('exit 128+n from the shell is explained as a signal death; other exits are plain', () => {
    const base = run().scenarios[2]!;
    const exit = (code: number): string => renderTerminal(run({ scenarios: [{ ...base, client: { ...base.client!, exitCode: code, stderr: '' } }] })).split('\n').find((l) => l.includes('Client:'))!.trim();
    expect(exit(139)).toBe("Client:   exit 139 (the shell's code for a command killed by SIGSEGV)");
    expect(exit(137)).toBe("Client:   exit 137 (the shell's code for a command killed by SIGKILL)");
    expect(exit(1)).toBe('Client:   exit 1');
  });
});

describe('progressLine', () => {
  test('one line: verdict, id, title, time, the checks that did not pass', () => {
    const [golden, f02] = run().scenarios;
    expect(progressLine(golden!)).toBe('PASS       registry/golden  Golden registry flow  150 ms');
    const line = progressLine(f02!);
    expect(line.includes('\n') || line.includes(ESC)).toBe(false);
    expect(line.startsWith('FAIL       F-02  Realm on another host')).toBe(true);
    expect(line.endsWith('300 ms (registry/realm/same-host, errors/surfaced)')).toBe(true);
    expect(progressLine(f02!, { color: true }).startsWith(`${ESC}[31mFAIL`)).toBe(true);
  });
});
