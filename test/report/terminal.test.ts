/**
 * The report a person reads in a terminal: the verdict first, then what fails the run expanded with what
 * to do next, skips one line per reason, passing scenarios only with --verbose, the summary line last;
 * no escape sequence unless writing to a colour terminal (not even ones a client printed).
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

  test('what fails the run first: failures, harness errors, SHOULD deviations, known failures; skips by reason; passing counted', () => {
    expect(lines.filter((l) => /^(PASS|FAIL|NON-STRICT|SKIP|ERROR) +\S/.test(l))).toEqual([
      `FAIL       F-02  ${lines[3]!.slice('FAIL       F-02  '.length)}`,
      'ERROR      apikey/golden  API key',
      'ERROR      keys/missing  No key',
      'NON-STRICT direct/skew  Clock skew',
      'FAIL       tls/custom-ca  Custom CA',
      'SKIP       the client does not implement basic-tags (exit 3), 1 scenario',
      'PASS       1 scenario (--verbose lists them)',
    ]);
    expect(lines[3]!.startsWith('FAIL       F-02  Realm on another host')).toBe(true);
    // Passing checks of a scenario that matters are counted, not listed.
    expect(lines).toContain('    PASS       1 other check passes');
    expect(lines).toContain('    FAIL       tls/custom-ca (MUST) [expected failure: in the baseline]  known gap');
    expect(lines).toContain('    ERROR      harness/error (MUST)  the harness broke while running this scenario: subject/spawn: cannot start /bin/sh: ENOENT');
  });

  test('--verbose lists the passing scenarios with their checks, and which scenarios a skip reason covers', () => {
    const verbose = renderTerminal(run(), { color: false, verbose: true }).split('\n');
    expect(verbose).toContain('SKIP       the client does not implement basic-tags (exit 3), 1 scenario (basic/golden)');
    const at = verbose.indexOf('PASS       registry/golden  Golden registry flow');
    expect(verbose[at + 1]).toBe('    PASS       registry/token-url/realm, registry/token-request/signature');
    expect(verbose).not.toContain('PASS       1 scenario (--verbose lists them)');
  });

  test('scenarios skipped because the client lacks an action collapse into one line per action', () => {
    const base = run().scenarios[3]!;
    const unsupported = (id: string, action: 'cloud-whoami' | 'basic-tags'): typeof base => ({
      ...base, id, action,
      verdicts: base.verdicts.map((v) => ({ ...v, message: `the client does not support ${action}: my-client: unsupported action ${action}` })),
    });
    const skipped = [1, 2, 3, 4, 5, 6].map((n) => unsupported(`direct/whoami-${n}`, 'cloud-whoami'));
    const text = renderTerminal(run({ scenarios: [...skipped, unsupported('basic/golden', 'basic-tags')], unexpectedPasses: [] }));
    expect(text.split('\n')).toEqual([
      'OK: no failing scenario · 7 scenarios, 7 checks: 0 pass, 0 fail, 0 non-strict, 7 skip, 0 error',
      'client: OLLAMA_API_KEY=<redacted> ./client',
      '',
      'SKIP       cloud-whoami: unsupported by this client, 6 scenarios',
      'SKIP       basic-tags: unsupported by this client, 1 scenario',
      '',
      '7 scenarios, 7 checks: 0 pass, 0 fail, 0 non-strict, 7 skip, 0 error → OK',
      '',
    ]);
  });

  test('a failure is expanded: per check Expected, Actual (redacted), the request; once per scenario how the client exited and Reproduce', () => {
    const at = lines.findIndex((l) => l.startsWith('FAIL       F-02  '));
    expect(lines.slice(at + 1, at + 11)).toEqual([
      `    FAIL       registry/realm/same-host (MUST)  sent its signature to another host ${lines[at + 1]!.slice(lines[at + 1]!.indexOf('<b>'))}`,
      '        Expected: no request to the other host',
      `        Actual:   GET /v2/token with Authorization: AAAAC3NzaC1lZDI1NTE5AAAAI${'B'.repeat(43)}:<redacted>`,
      '        Request:  #1 GET /v2/token?ts=1 (other host) → 200 · Authorization: <68 chars>:<88 chars>',
      '    FAIL       errors/surfaced (MUST)  exited 0 although the flow failed',
      '        Expected: a non-zero exit',
      '        Actual:   exit 0',
      '    Client:    exit 0 · stderr: \\x1b[33mwarn\\x1b[0m: used AAAAC3NzaC1lZDI1NTE5AAAAI' + 'B'.repeat(43) + ':<redacted>',
      "    Reproduce: oac check --client './client' --scenario 'F-02'",
      'ERROR      apikey/golden  API key',
    ]);
  });

  test('the verdict line first, then the client line; the unexpected pass; the summary line last', () => {
    expect(lines[0]).toBe('FAILED: 1 failing scenario (F-02), 2 harness errors (apikey/golden, keys/missing) · 7 scenarios, 12 checks: 5 pass, 3 fail, 1 non-strict, 1 skip, 2 error');
    expect(lines[1]).toBe('client: OLLAMA_API_KEY=<redacted> ./client');
    expect(renderTerminal(run(), { color: true }).startsWith(`${ESC}[31mFAILED${ESC}[0m: `)).toBe(true);
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
    expect(exit(139)).toBe("Client:    exit 139 (the shell's code for a command killed by SIGSEGV)");
    expect(exit(137)).toBe("Client:    exit 137 (the shell's code for a command killed by SIGKILL)");
    expect(exit(1)).toBe('Client:    exit 1');
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
