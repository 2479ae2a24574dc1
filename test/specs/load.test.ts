import { describe, test, expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { firstJsonErrorOffset, parseJsonText, SpecSyntaxError, specsDir } from '../../src/specs/load.js';

describe('specsDir', () => {
  test('is the repository specs/ directory (two levels above src/specs/load.ts)', () => {
    expect(resolve(specsDir())).toBe(resolve(process.cwd(), 'specs'));
    expect(existsSync(join(specsDir(), 'checks.json'))).toBe(true);
  });
});

describe('JSON syntax errors are located', () => {
  const cases: [string, string, number, number][] = [
    ['trailing comma in an object', '{\n  "a": 1,\n}', 3, 1],
    ['trailing comma in an array', '[1, 2,]', 1, 7],
    ['missing value', '{"a": }', 1, 7],
    ['single quotes', "{'a': 1}", 1, 2],
    ['unterminated string', '{"a": "b', 1, 9],
    ['bad escape', '{"a": "\\x"}', 1, 9],
    ['leading zero', '[01]', 1, 3],
    ['text after the document', '{} {}', 1, 4],
    ['byte order mark', '\ufeff{}', 1, 1],
    ['empty file', '', 1, 1],
  ];
  test.each(cases)('%s', (_name, text, line, column) => {
    let caught: unknown;
    try {
      parseJsonText(text, 'x.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecSyntaxError);
    const e = caught as SpecSyntaxError;
    expect({ code: e.code, line: e.line, column: e.column }).toEqual({ code: 'spec/json-syntax', line, column });
    expect(e.message.startsWith(`x.json:${line}:${column}: invalid JSON: `)).toBe(true);
  });

  test('the scanner accepts everything JSON.parse accepts in the specs', () => {
    for (const text of ['{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"]}', ' [ ] ', '"x"', '0']) {
      expect(firstJsonErrorOffset(text)).toBeUndefined();
      expect(parseJsonText(text, 'x.json')).toEqual(JSON.parse(text));
    }
  });
});
