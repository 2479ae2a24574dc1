/**
 * What a person sees of a failing client: the line that says what went wrong, not the first line of a
 * stack trace; and the program word the harness looks up before a run.
 */
import { describe, expect, test } from '@jest/globals';
import { errorLine } from '../../src/conformance/client-output.js';
import { programWord } from '../../src/conformance/client-command.js';
import { judge } from '../../src/conformance/judge.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { checkCatalog } from '../../src/specs/catalog.js';
import type { ClientRun } from '../../src/conformance/types.js';

describe('errorLine', () => {
  test('Python: the exception, not "Traceback (most recent call last):"', () => {
    const stderr = [
      'Traceback (most recent call last):',
      '  File "/x/client.py", line 12, in <module>',
      '    main()',
      '  File "/x/client.py", line 9, in main',
      '    raise RuntimeError("registry answered 401: unauthorized")',
      '    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
      'RuntimeError: registry answered 401: unauthorized',
      '',
    ].join('\n');
    expect(errorLine(stderr)).toBe('RuntimeError: registry answered 401: unauthorized');
  });

  test('Node: the thrown error above its frames, not the Node.js version footer', () => {
    const stderr = [
      'file:///x/client.mjs:3',
      "throw new Error('token endpoint answered 403');",
      '^',
      '',
      'Error: token endpoint answered 403',
      '    at file:///x/client.mjs:3:7',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:234:25)',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    expect(errorLine(stderr)).toBe('Error: token endpoint answered 403');
  });

  test('Go: the panic line, not the goroutine dump', () => {
    const stderr = 'panic: runtime error: index out of range [1] with length 1\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:10 +0x1d\nexit status 2\n';
    expect(errorLine(stderr)).toBe('panic: runtime error: index out of range [1] with length 1');
  });

  test('a one-line error is itself; empty stderr is empty', () => {
    expect(errorLine('error: unauthorized (401)\n')).toBe('error: unauthorized (401)');
    expect(errorLine('')).toBe('');
  });
});

describe('programWord', () => {
  test.each([
    ['oac client', 'oac'],
    ["'/usr/bin/python3' my client.py", '/usr/bin/python3'],
    ['OAC_X=1 FOO="a b" ./client.sh arg', './client.sh'],
    ['my\\ client', 'my client'],
    ['a | b', 'a'],
  ])('%s → %s', (command, word) => expect(programWord(command)).toBe(word));

  test.each([['(cd x && ./c)'], ['$CLIENT'], ['"unterminated']])('%s is not a simple command: not guessed', (command) => {
    expect(programWord(command)).toBeUndefined();
  });
});

describe('request-count messages say what happened', () => {
  const client: ClientRun = { command: 'c', exitCode: 1, signal: null, timedOut: false, killed: false, stdout: '', stderr: 'error: no key\n', durationMs: 5 };
  const base = { observations: [], harnessErrors: [], catalog: checkCatalog(), timeoutMs: 1000 };

  test('a golden scenario where nothing reached the server', () => {
    const scenario = loadScenarios().find((s) => s.id === 'direct/golden-tags')!;
    const verdicts = judge({ ...base, scenario, client: { ...client, exitCode: 0, stderr: '' } });
    const signature = verdicts.find((v) => v.check === 'direct/signature');
    expect(signature).toEqual({
      check: 'direct/signature',
      level: 'MUST',
      verdict: 'fail',
      message: 'no signed request reached the server: the client never contacted it',
      expected: 'exactly 1 request(s)',
      actual: '0 request(s)',
    });
  });
});
