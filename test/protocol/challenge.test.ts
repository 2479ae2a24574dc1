import { describe, test, expect } from '@jest/globals';
import { ProtocolError } from '../../src/errors.js';
import {
  ChallengeParseError,
  formatChallenge,
  parseBearerChallenge,
  parseChallenges,
  selectBearer,
  type BearerChallenge,
  type Challenge,
  type ChallengeSpec,
  type ParseOptions,
} from '../../src/protocol/challenge.js';
import { loadObservedParserCases } from '../helpers/vectors.js';

function thrown(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw new Error(`expected a ProtocolError, got ${String(e)}`);
  }
  throw new Error('expected the call to throw');
}

/** Shorthand for an expected challenge. */
function ch(scheme: string, params: Record<string, string> = {}, token68?: string): Challenge {
  const c: Challenge = { scheme, schemeLower: scheme.toLowerCase(), params };
  if (token68 !== undefined) c.token68 = token68;
  return c;
}

const STANDARD =
  'Bearer realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai",scope="repository:library/llama3:pull"';
const OLLAMA_FIXTURE = 'Bearer realm="https://r.ollama.ai/v2/token",service="ollama",scope="-"';

// ------------------------------------------------------------------------------------------------
// parseChallenges: valid inputs, exact results

interface ValidCase {
  name: string;
  input: string | string[];
  opts?: ParseOptions;
  expected: Challenge[];
}

const valid: ValidCase[] = [
  {
    name: 'standard Ollama registry header',
    input: STANDARD,
    expected: [
      ch('Bearer', {
        realm: 'https://registry.ollama.ai/v2/token',
        service: 'registry.ollama.ai',
        scope: 'repository:library/llama3:pull',
      }),
    ],
  },
  {
    name: "Ollama's own test fixture (server/auth_test.go)",
    input: OLLAMA_FIXTURE,
    expected: [ch('Bearer', { realm: 'https://r.ollama.ai/v2/token', service: 'ollama', scope: '-' })],
  },
  { name: 'lower-case scheme', input: 'bearer realm="r"', expected: [ch('bearer', { realm: 'r' })] },
  { name: 'upper-case scheme', input: 'BEARER realm="r"', expected: [ch('BEARER', { realm: 'r' })] },
  {
    name: 'upper/mixed-case parameter names are lower-cased',
    input: 'Bearer Realm="R",SERVICE="S",sCoPe="x"',
    expected: [ch('Bearer', { realm: 'R', service: 'S', scope: 'x' })],
  },
  {
    name: 'unquoted token values',
    input: 'Bearer realm=r,service=svc,scope=pull',
    opts: { strict: true },
    expected: [ch('Bearer', { realm: 'r', service: 'svc', scope: 'pull' })],
  },
  {
    name: 'unquoted URL values (lenient default, REG-03)',
    input: 'Bearer realm=https://r.example/token?a=b,service=svc,scope=repository:a/b:pull',
    expected: [ch('Bearer', { realm: 'https://r.example/token?a=b', service: 'svc', scope: 'repository:a/b:pull' })],
  },
  {
    name: 'quoted-pair escapes: \\" and \\\\ and \\x',
    input: 'Bearer realm="r",service="a\\"b",scope="c\\\\d\\x"',
    expected: [ch('Bearer', { realm: 'r', service: 'a"b', scope: 'c\\dx' })],
  },
  {
    name: 'OWS around "=" and commas',
    input: 'Bearer realm = "r" ,  service= s\t,scope =\t"x"   ',
    expected: [ch('Bearer', { realm: 'r', service: 's', scope: 'x' })],
  },
  {
    name: 'empty list elements (",,", leading and trailing commas)',
    input: ' , ,Bearer realm="r",,service="s", ,',
    expected: [ch('Bearer', { realm: 'r', service: 's' })],
  },
  {
    name: 'comma inside a quoted scope',
    input: 'Bearer realm="r",service="s",scope="repository:a/b:pull,push"',
    expected: [ch('Bearer', { realm: 'r', service: 's', scope: 'repository:a/b:pull,push' })],
  },
  {
    name: 'Basic then Bearer in one field',
    input: 'Basic realm="x", Bearer realm="R",service="S"',
    expected: [ch('Basic', { realm: 'x' }), ch('Bearer', { realm: 'R', service: 'S' })],
  },
  {
    name: 'Bearer then Basic in one field',
    input: 'Bearer realm="R",service="S", Basic realm="x"',
    expected: [ch('Bearer', { realm: 'R', service: 'S' }), ch('Basic', { realm: 'x' })],
  },
  {
    name: 'several field values, Basic first',
    input: ['Basic realm="harbor"', 'Bearer realm="R",service="S"'],
    expected: [ch('Basic', { realm: 'harbor' }), ch('Bearer', { realm: 'R', service: 'S' })],
  },
  {
    name: 'token68 challenge followed by a Bearer challenge',
    input: 'Newauth abc==, Bearer realm="R"',
    expected: [ch('Newauth', {}, 'abc=='), ch('Bearer', { realm: 'R' })],
  },
  {
    name: 'token68 with one "=" of padding is a token68 (next element is a challenge)',
    input: 'Negotiate oYH+/9==, Newauth abc=, Bearer realm="R"',
    expected: [ch('Negotiate', {}, 'oYH+/9=='), ch('Newauth', {}, 'abc='), ch('Bearer', { realm: 'R' })],
  },
  {
    name: 'scheme without parameters, then Bearer (no space after comma)',
    input: 'Negotiate,Bearer realm="R"',
    expected: [ch('Negotiate'), ch('Bearer', { realm: 'R' })],
  },
  {
    name: 'unknown parameters are kept',
    input: 'Bearer realm="R",foo="bar",charset=UTF-8',
    expected: [ch('Bearer', { realm: 'R', foo: 'bar', charset: 'UTF-8' })],
  },
  {
    name: 'HTAB after the scheme, several spaces',
    input: 'Bearer\t  realm="R"',
    expected: [ch('Bearer', { realm: 'R' })],
  },
  {
    name: 'the same parameter in two different challenges is fine',
    input: 'Bearer realm="a", Bearer realm="b"',
    expected: [ch('Bearer', { realm: 'a' }), ch('Bearer', { realm: 'b' })],
  },
  {
    name: 'field lines combine as one list: a param may continue on the next line (RFC 9110 §5.3)',
    input: ['Bearer realm="r"', 'service="s"'],
    expected: [ch('Bearer', { realm: 'r', service: 's' })],
  },
  {
    name: 'empty field values in the array are empty list elements',
    input: ['', 'Bearer realm="r"', '  '],
    expected: [ch('Bearer', { realm: 'r' })],
  },
  {
    name: 'empty quoted-string value is valid syntax',
    input: 'Bearer realm="",service=""',
    expected: [ch('Bearer', { realm: '', service: '' })],
  },
  {
    name: 'unicode (obs-text) inside a quoted-string',
    input: 'Bearer realm="https://r.example/tökén/🦙",service="日本"',
    expected: [ch('Bearer', { realm: 'https://r.example/tökén/🦙', service: '日本' })],
  },
];

describe('parseChallenges: valid', () => {
  for (const c of valid) {
    test(c.name, () => {
      expect(parseChallenges(c.input, c.opts)).toEqual(c.expected);
    });
  }

  test('a parameter named __proto__ becomes an own property, not the prototype', () => {
    const [c] = parseChallenges('Bearer realm="r",__proto__="x",constructor=y');
    expect(Object.getPrototypeOf(c!.params)).toBe(Object.prototype);
    expect(Object.keys(c!.params)).toEqual(['realm', '__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(c!.params, '__proto__')!.value).toBe('x');
  });

  test('"constructor" is not mistaken for a duplicate (own-property check)', () => {
    expect(parseChallenges('Bearer constructor=a')[0]!.params).toEqual({ constructor: 'a' });
  });
});

// ------------------------------------------------------------------------------------------------
// parseChallenges: must-fail inputs, exact codes and message fragments

interface FailCase {
  name: string;
  input: string | string[];
  opts?: ParseOptions;
  code: string;
  message: string;
  offset?: number;
  fieldIndex?: number;
}

const mustFail: FailCase[] = [
  { name: 'empty field', input: '', code: 'challenge/empty', message: 'expected at least one challenge' },
  { name: 'whitespace and commas only', input: ' , ,', code: 'challenge/empty', message: 'got an empty field' },
  { name: 'no field values', input: [], code: 'challenge/empty', message: 'expected at least one challenge' },
  {
    name: 'unterminated quoted string',
    input: 'Bearer realm="r',
    code: 'challenge/unterminated-quote',
    message: `expected a closing '"' for the quoted value of "realm" opened at offset 13, got end of field at offset 15`,
    offset: 15,
  },
  {
    name: 'unterminated: backslash at the end',
    input: 'Bearer realm="r\\',
    code: 'challenge/unterminated-quote',
    message: 'expected a character after "\\"',
  },
  {
    name: 'a quoted-string does not run into the next field line',
    input: ['Bearer realm="r', 'Basic x"'],
    code: 'challenge/unterminated-quote',
    message: 'got end of field at offset 15 of field value 1',
    offset: 15,
    fieldIndex: 0,
  },
  {
    name: 'param without "=" (quoted value follows the name)',
    input: 'Bearer realm "r"',
    code: 'challenge/missing-equals',
    message: 'expected "=" after auth-param name "realm", got "\\"" at offset 13',
  },
  {
    name: 'param without "=" after a comma',
    input: 'Bearer realm="r", service "s"',
    code: 'challenge/missing-equals',
    message: 'expected an auth-param "name=" or a token68 after auth-scheme "service", got a quoted-string',
  },
  {
    name: 'scheme followed by a bare quoted-string',
    input: 'Bearer "r"',
    code: 'challenge/missing-equals',
    message: 'at offset 7',
  },
  {
    name: '"realm=" at the end of the field (F-05)',
    input: 'Bearer service="svc",realm=',
    code: 'challenge/empty-value',
    message: 'expected a token (1+ characters) or a quoted-string as the value of "realm", got end of field at offset 27',
    offset: 27,
  },
  {
    name: '"realm=," then more params',
    input: 'Bearer realm=,service="s"',
    code: 'challenge/empty-value',
    message: 'as the value of "realm", got ","',
  },
  {
    name: 'empty value with whitespace before the comma',
    input: 'Bearer realm="r",service= ,scope="x"',
    code: 'challenge/empty-value',
    message: 'value of "service", got ","',
  },
  {
    name: 'duplicate realm',
    input: 'Bearer realm="a",realm="b"',
    code: 'challenge/duplicate-param',
    message: 'got a second "realm" in the "Bearer" challenge at offset 17',
    offset: 17,
  },
  {
    name: 'duplicate differing only in case',
    input: 'Bearer realm="a", REALM="b"',
    code: 'challenge/duplicate-param',
    message: 'RFC 9110 §11.2',
  },
  {
    name: 'duplicate scope',
    input: 'Bearer realm="r",scope="a",scope="b"',
    code: 'challenge/duplicate-param',
    message: 'second "scope"',
  },
  {
    name: 'non-token character in a parameter name',
    input: 'Bearer re@lm="x"',
    code: 'challenge/invalid-char',
    message: 'expected "=" after auth-param name "re", got "@" (not allowed in a token) at offset 9',
  },
  {
    name: 'non-token character in the scheme',
    input: 'B@sic realm="x"',
    code: 'challenge/invalid-char',
    message: 'expected SP, "," or end of field after auth-scheme "B", got "@" at offset 1',
  },
  {
    name: 'non-ASCII scheme',
    input: 'Bëarer realm="x"',
    code: 'challenge/invalid-char',
    message: 'got "ë" at offset 1',
  },
  {
    name: 'quote inside an unquoted value',
    input: 'Bearer realm=ab"c"',
    code: 'challenge/invalid-char',
    message: 'got "\\"" (not allowed in an unquoted value; quote the value) at offset 15',
  },
  {
    name: 'non-ASCII in an unquoted value',
    input: 'Bearer realm=café',
    code: 'challenge/invalid-char',
    message: 'got "é"',
  },
  {
    name: 'strict mode: ":" in an unquoted value',
    input: 'Bearer realm=https://r.example/token',
    opts: { strict: true },
    code: 'challenge/invalid-char',
    message: 'got ":" (not allowed in an unquoted token; quote the value) at offset 18',
  },
  {
    name: 'control character inside a quoted-string',
    input: 'Bearer realm="a\u0001b"',
    code: 'challenge/invalid-char',
    message: 'got "\\u0001" (control character) at offset 15',
  },
  {
    name: 'CR/LF after a value',
    input: 'Bearer realm="r"\r\n',
    code: 'challenge/invalid-char',
    message: 'got "\\r"',
  },
  {
    name: 'parameters without any scheme',
    input: 'realm="r",service="s"',
    code: 'challenge/missing-scheme',
    message: 'expected an auth-scheme before auth-param "realm"',
    offset: 0,
  },
  {
    name: 'auth-param after a token68 challenge',
    input: 'Newauth abc==, realm="x"',
    code: 'challenge/missing-scheme',
    message: 'at offset 15',
  },
  {
    name: 'missing comma between parameters',
    input: 'Bearer realm="r" service="s"',
    code: 'challenge/missing-comma',
    message: 'expected "," or end of field after the value of "realm", got "s" (missing comma between parameters?) at offset 17',
  },
  {
    name: 'observed vector quote_comma_inside_realm (stray quote after a comma)',
    input: 'Bearer realm="https://r.example/x",y",service="svc"',
    code: 'challenge/invalid-char',
    message: 'after auth-scheme "y", got "\\""',
  },
  {
    name: '"=" where a parameter name or scheme should start',
    input: 'Bearer realm="r",=x',
    code: 'challenge/invalid-char',
    message: 'expected an auth-scheme (token), got "="',
  },
];

describe('parseChallenges: must fail', () => {
  for (const c of mustFail) {
    test(`${c.name} → ${c.code}`, () => {
      const e = thrown(() => parseChallenges(c.input, c.opts));
      expect(e).toBeInstanceOf(ChallengeParseError);
      expect(e.code).toBe(c.code);
      expect(e.message).toContain(c.message);
      if (c.offset !== undefined) expect((e as ChallengeParseError).offset).toBe(c.offset);
      if (c.fieldIndex !== undefined) expect((e as ChallengeParseError).fieldIndex).toBe(c.fieldIndex);
    });
  }

  test('offsets in a later field value are relative to that field', () => {
    const e = thrown(() => parseChallenges(['Basic realm="x"', 'Bearer realm="a",realm="b"'])) as ChallengeParseError;
    expect(e.code).toBe('challenge/duplicate-param');
    expect(e.fieldIndex).toBe(1);
    expect(e.offset).toBe(17);
    expect(e.message).toContain('at offset 17 of field value 2');
  });

  test('random garbage never crashes: the parser returns or throws a ProtocolError', () => {
    const alphabet = ['B', 'e', 'a', 'r', ' ', ',', '=', '"', '\\', 'm', 'l', '\t', ':', '/', 'é', '\u0000', 'x', '9'];
    const rnd = mulberry32(7);
    for (let i = 0; i < 3000; i++) {
      let s = 'Bearer ';
      const n = Math.floor(rnd() * 24);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        parseChallenges(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
      }
    }
  });
});

// ------------------------------------------------------------------------------------------------
// selectBearer / parseBearerChallenge

describe('selectBearer / parseBearerChallenge', () => {
  test('standard header → full BearerChallenge', () => {
    const expected: BearerChallenge = {
      realm: 'https://registry.ollama.ai/v2/token',
      service: 'registry.ollama.ai',
      scope: 'repository:library/llama3:pull',
      scopes: ['repository:library/llama3:pull'],
      params: {
        realm: 'https://registry.ollama.ai/v2/token',
        service: 'registry.ollama.ai',
        scope: 'repository:library/llama3:pull',
      },
    };
    expect(parseBearerChallenge(STANDARD)).toEqual(expected);
  });

  test('several space-separated scopes → scopes array (empty entries dropped)', () => {
    const b = parseBearerChallenge('Bearer realm="r",scope="repository:a/b:pull  repository:localhost:5000/c/d:pull,push "');
    expect(b.scope).toBe('repository:a/b:pull  repository:localhost:5000/c/d:pull,push ');
    expect(b.scopes).toEqual(['repository:a/b:pull', 'repository:localhost:5000/c/d:pull,push']);
  });

  test('no scope → scopes [] and no scope/service keys', () => {
    const b = parseBearerChallenge('Bearer realm="r"');
    expect(b).toEqual({ realm: 'r', scopes: [], params: { realm: 'r' } });
    expect('scope' in b).toBe(false);
    expect('service' in b).toBe(false);
  });

  test('error="insufficient_scope" (RFC 6750 §3.1)', () => {
    const b = parseBearerChallenge('Bearer realm="r",error="insufficient_scope",scope="repository:a/b:push"');
    expect(b.error).toBe('insufficient_scope');
    expect(b.scopes).toEqual(['repository:a/b:push']);
  });

  test('unknown params are ignored for the named fields but kept in params', () => {
    const b = parseBearerChallenge('Bearer realm="r",foo=bar');
    expect(b.realm).toBe('r');
    expect(b.params).toEqual({ realm: 'r', foo: 'bar' });
  });

  test('Basic + Bearer in one field → the Bearer one', () => {
    expect(parseBearerChallenge('Basic realm="x", Bearer realm="R",service="S"')).toMatchObject({ realm: 'R', service: 'S' });
  });

  test('several field values with Basic first → the Bearer one (unlike Ollama, which reads the first only)', () => {
    expect(parseBearerChallenge(['Basic realm="harbor"', 'Bearer realm="R",service="S"'])).toMatchObject({ realm: 'R', service: 'S' });
  });

  test('token68 challenge, then Bearer', () => {
    expect(parseBearerChallenge('Newauth abc==, Bearer realm="R"').realm).toBe('R');
  });

  test('several Bearer challenges → the first', () => {
    expect(parseBearerChallenge('Bearer realm="first", Bearer realm="second"').realm).toBe('first');
  });

  test('Basic only → not-bearer naming Basic', () => {
    const e = thrown(() => parseBearerChallenge('Basic realm="harbor"'));
    expect(e.code).toBe('challenge/not-bearer');
    expect(e.message).toBe('expected a Bearer challenge, got Basic realm="harbor"');
  });

  test('not-bearer lists every scheme seen', () => {
    const e = thrown(() => parseBearerChallenge(['Basic realm="a\\"b"', 'Negotiate', 'Newauth abc==']));
    expect(e.code).toBe('challenge/not-bearer');
    expect(e.message).toBe('expected a Bearer challenge, got Basic realm="a\\"b", Negotiate, Newauth abc==');
  });

  test('no header → missing (undefined, "", [], [""])', () => {
    for (const v of [undefined, '', [], ['']]) {
      const e = thrown(() => parseBearerChallenge(v));
      expect(e.code).toBe('challenge/missing');
      expect(e.message).toContain('expected a WWW-Authenticate header');
    }
    expect(thrown(() => selectBearer([])).code).toBe('challenge/missing');
  });

  test('Bearer without realm → no-realm', () => {
    const e = thrown(() => parseBearerChallenge('Bearer service="s",scope="x"'));
    expect(e.code).toBe('challenge/no-realm');
    expect(e.message).toBe('expected a non-empty realm in the Bearer challenge, got parameters service, scope');
  });

  test('Bearer with realm="" → no-realm', () => {
    expect(thrown(() => parseBearerChallenge('Bearer realm=""')).message).toContain('got realm=""');
  });

  test('bare "Bearer" → no-realm', () => {
    expect(thrown(() => parseBearerChallenge('Bearer')).message).toContain('got no parameters');
  });

  test('lone "Bearer realm=" is grammatically a token68 → no-realm with a hint (no crash)', () => {
    const e = thrown(() => parseBearerChallenge('Bearer realm='));
    expect(e.code).toBe('challenge/no-realm');
    expect(e.message).toContain('token68 "realm=" (a parameter without a value?)');
  });

  test('"…,realm=" at the end → empty-value, not a crash (F-05 / REG-04)', () => {
    expect(thrown(() => parseBearerChallenge('Bearer service="s",realm=')).code).toBe('challenge/empty-value');
  });

  test('parse errors propagate through parseBearerChallenge', () => {
    expect(thrown(() => parseBearerChallenge('Bearer realm="r')).code).toBe('challenge/unterminated-quote');
  });
});

// ------------------------------------------------------------------------------------------------
// The observed vectors under the RFC parser: the legacy-breaking rows parse correctly here.

const observed = loadObservedParserCases();

const rfcExpectations: Record<string, { realm: string; service?: string; scope?: string } | { code: string }> = {
  standard: { realm: 'https://registry.ollama.ai/v2/token', service: 'registry.ollama.ai', scope: 'repository:library/llama3:pull' },
  space_after_comma: { realm: 'https://r.example/token', service: 'svc', scope: 'repository:a/b:pull' },
  comma_in_scope: { realm: 'https://r.example/token', service: 'svc', scope: 'repository:a/b:pull,push' },
  unquoted: { realm: 'https://r.example/token', service: 'svc', scope: 'repository:a/b:pull' },
  lowercase_scheme: { realm: 'https://r.example/token', service: 'svc', scope: 's' },
  uppercase_keys: { realm: 'https://r.example/token', service: 'svc', scope: 's' },
  trailing_space: { realm: 'https://r.example/token', service: 'svc', scope: 's' },
  escaped_quote: { realm: 'https://r.example/token', service: 'a"b', scope: 's' },
  key_inside_value: { realm: 'https://r.example/token?service=evil', service: 'svc', scope: 's' },
  empty: { code: 'challenge/missing' },
  two_challenges: { realm: 'https://r.example/token', service: 'svc' },
  scope_first_missing_service: { realm: 'https://r.example/token', scope: 's' },
  quote_comma_inside_realm: { code: 'challenge/invalid-char' },
};

describe('observed legacy vectors under the RFC parser', () => {
  test('every observed row has an RFC expectation', () => {
    expect(observed.map((r) => r.case).sort()).toEqual(Object.keys(rfcExpectations).sort());
  });
  for (const row of observed) {
    test(row.case, () => {
      const want = rfcExpectations[row.case]!;
      if ('code' in want) {
        expect(thrown(() => parseBearerChallenge(row.header)).code).toBe(want.code);
        return;
      }
      const b = parseBearerChallenge(row.header);
      expect({ realm: b.realm, service: b.service, scope: b.scope }).toEqual({
        realm: want.realm,
        service: want.service,
        scope: want.scope,
      });
    });
  }
});

// ------------------------------------------------------------------------------------------------
// formatChallenge and the round trip

describe('formatChallenge', () => {
  test("reproduces Ollama's fixture shape exactly", () => {
    expect(formatChallenge({ realm: 'https://r.ollama.ai/v2/token', service: 'ollama', scope: '-' })).toBe(OLLAMA_FIXTURE);
  });

  test('order realm, service, scope, extras; no spaces after commas', () => {
    expect(
      formatChallenge({
        scheme: 'Bearer',
        extra: { error: 'insufficient_scope' },
        scope: 'repository:a/b:pull',
        service: 'svc',
        realm: 'https://r/v2/token',
      }),
    ).toBe('Bearer realm="https://r/v2/token",service="svc",scope="repository:a/b:pull",error="insufficient_scope"');
  });

  test('escapes " and \\', () => {
    expect(formatChallenge({ realm: 'a"b\\c' })).toBe('Bearer realm="a\\"b\\\\c"');
  });

  test('quote: when-needed leaves tokens bare', () => {
    expect(formatChallenge({ realm: 'https://r/t', service: 'svc', scope: '' }, { quote: 'when-needed' })).toBe(
      'Bearer realm="https://r/t",service=svc,scope=""',
    );
  });

  test('refuses what no header can carry', () => {
    expect(thrown(() => formatChallenge({ realm: 'a\nb' })).code).toBe('challenge/unformattable');
    expect(thrown(() => formatChallenge({ realm: 'r', extra: { 'bad name': 'x' } })).message).toContain('"bad name"');
    expect(thrown(() => formatChallenge({ realm: 'r', extra: { Realm: 'x' } })).message).toContain('"Realm" twice');
  });
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('round trip: formatChallenge → parseBearerChallenge', () => {
  const pieces = ['a', 'Z', '0', '"', '\\', ',', ' ', '=', ':', '/', '?', '&', '\t', 'é', '日本', '🦙'];
  pieces.push('realm=', 'scope="x"', '-', '~', '%2F');
  const rnd = mulberry32(20260821);
  const gen = (min: number): string => {
    const n = min + Math.floor(rnd() * 12);
    let s = '';
    for (let i = 0; i < n; i++) s += pieces[Math.floor(rnd() * pieces.length)];
    return s;
  };

  const specs: ChallengeSpec[] = [
    { realm: 'https://registry.ollama.ai/v2/token', service: 'registry.ollama.ai', scope: 'repository:library/llama3:pull' },
    { realm: 'https://r/t', service: '', scope: '' },
    { realm: 'https://r/t?service=evil', service: 'svc' },
    { realm: 'x', scope: 'repository:a/b:pull repository:c/d:push' },
    { realm: '"', service: '\\', scope: '\\"' },
    { realm: 'r', extra: { error: 'invalid_token', error_description: 'expired, "really"' } },
  ];
  for (let i = 0; i < 400; i++) {
    const spec: ChallengeSpec = { realm: gen(1) };
    if (rnd() < 0.8) spec.service = gen(0);
    if (rnd() < 0.8) spec.scope = gen(0);
    if (rnd() < 0.3) spec.extra = { x_extra: gen(0), ['e' + i]: gen(0) };
    specs.push(spec);
  }

  for (const quote of ['always', 'when-needed'] as const) {
    test(`${specs.length} specs, quote=${quote}`, () => {
      for (const spec of specs) {
        const header = formatChallenge(spec, { quote });
        const b = parseBearerChallenge(header);
        expect(b.realm).toBe(spec.realm);
        expect(b.service).toBe(spec.service);
        expect(b.scope).toBe(spec.scope);
        expect(b.scopes).toEqual(spec.scope === undefined ? [] : spec.scope.split(' ').filter((s) => s !== ''));
        expect(b.params).toEqual({
          realm: spec.realm,
          ...(spec.service !== undefined ? { service: spec.service } : {}),
          ...(spec.scope !== undefined ? { scope: spec.scope } : {}),
          ...Object.fromEntries(Object.entries(spec.extra ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        });
        // Also as the second challenge of a field, after a Basic one, and as a second field value.
        expect(parseBearerChallenge(`Basic realm="x", ${header}`).realm).toBe(spec.realm);
        expect(parseBearerChallenge(['Basic realm="x"', header]).params).toEqual(b.params);
      }
    });
  }
});
