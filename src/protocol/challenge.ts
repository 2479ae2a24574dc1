/**
 * RFC 9110 §11 `WWW-Authenticate` parsing (the strict, correct parser the harness judges by), and its
 * inverse for the emulated registry.
 *
 * Grammar (RFC 9110 §11.2, §11.6.1, §5.6):
 *
 *     WWW-Authenticate = #challenge
 *     challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *     auth-param       = token BWS "=" BWS ( token / quoted-string )
 *     token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *
 * The hard part is the comma: it separates both the auth-params of one challenge and the challenges
 * of one field. After a comma (and any empty list elements), the next item is an auth-param of the
 * current challenge when it reads `token BWS "="`, and a new challenge otherwise.
 *
 * One genuine ambiguity of the grammar: directly after the scheme, `name=` (followed by a comma or
 * the end) is both a token68 with one `=` of padding and an auth-param with an empty value. It is read
 * as a token68 unless the next list element is an auth-param, in which case it is an auth-param with an
 * empty value (an error). So `Newauth abc=` stays valid, `Bearer realm=,service="s"` fails with
 * `challenge/empty-value`, and a lone `Bearer realm=` parses as a token68 that `selectBearer` rejects
 * with `challenge/no-realm`.
 *
 * Several field values (an array) are combined as one list, joined with ", " (RFC 9110 §5.3), except
 * that a quoted-string may not run from one field line into the next. Offsets in error messages are
 * given within the field value they fall in.
 *
 * Lenience beyond the ABNF (both documented, both needed by real registries or REG-03):
 * - unquoted auth-param values may hold any visible ASCII except DQUOTE, "," and "\" (so
 *   `realm=https://r/token` parses); `{ strict: true }` restricts them to RFC `token`;
 * - HTAB is accepted wherever SP is (after the scheme).
 * Schemes and parameter names are always strict tokens.
 */
import { ProtocolError } from '../errors.js';

export interface Challenge {
  /** The auth-scheme as written. */
  scheme: string;
  /** The auth-scheme lower-cased, for case-insensitive comparison. */
  schemeLower: string;
  /** Auth-params, names lower-cased, values unquoted and unescaped. Unknown params are kept. */
  params: Record<string, string>;
  /** Present when the challenge carries a token68 instead of auth-params (`Newauth abc==`). */
  token68?: string;
}

export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
  /** `scope` split on single spaces, empty entries dropped; `[]` without a scope. */
  scopes: string[];
  /** RFC 6750 §3.1 error code (`invalid_token`, `insufficient_scope`, …) when present. */
  error?: string;
  /** Every auth-param of the selected challenge, names lower-cased (realm, service, … included). */
  params: Record<string, string>;
}

/** A parse error of a `WWW-Authenticate` value, with where it happened. */
export class ChallengeParseError extends ProtocolError {
  /** 0-based character offset within the field value `fieldIndex`. */
  readonly offset: number;
  /** 0-based index of the field value (array element) the offset refers to. */
  readonly fieldIndex: number;
  constructor(code: string, message: string, offset: number, fieldIndex: number) {
    super(code, message);
    this.offset = offset;
    this.fieldIndex = fieldIndex;
  }
}

// ---------------------------------------------------------------------------------------------------
// Character classes (RFC 9110 §5.6.2, §5.6.4, §11.2)

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN68_AT = /[A-Za-z0-9\-._~+/]+=*/y;

function isTchar(ch: string | undefined): boolean {
  return ch !== undefined && TCHAR.test(ch);
}

function isWs(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/** qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. Code points above 0xFF count as obs-text. */
function isQdtext(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c === 0x09 || c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

/** The character after a backslash in a quoted-pair: HTAB / SP / VCHAR / obs-text. */
function isQuotedPairChar(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c === 0x09 || (c >= 0x20 && c <= 0x7e) || c >= 0x80;
}

function setParam(params: Record<string, string>, name: string, value: string): void {
  // defineProperty, not assignment: a parameter called `__proto__` must become an own property.
  Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
}

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'end of field';
  return JSON.stringify(ch);
}

// ---------------------------------------------------------------------------------------------------
// Parser

class Parser {
  readonly s: string;
  pos = 0;
  /** Start offset of each field value inside `s`. */
  private readonly starts: number[];
  /** End offset (exclusive) of each field value inside `s`; the ", " joiners lie between. */
  private readonly ends: number[];

  constructor(
    fields: readonly string[],
    private readonly strict: boolean,
  ) {
    let s = '';
    this.starts = [];
    this.ends = [];
    fields.forEach((f, i) => {
      if (i > 0) s += ', ';
      this.starts.push(s.length);
      s += f;
      this.ends.push(s.length);
    });
    this.s = s;
  }

  private locate(pos: number): { field: number; offset: number } {
    for (let i = this.starts.length - 1; i >= 0; i--) {
      if (pos >= this.starts[i]!) return { field: i, offset: Math.min(pos, this.ends[i]!) - this.starts[i]! };
    }
    return { field: 0, offset: pos };
  }

  /** Is `pos` at the end of a field value (the end of input, or the start of a ", " joiner)? */
  private atFieldEnd(pos: number): boolean {
    return pos >= this.s.length || this.ends.includes(pos);
  }

  /** `offset N` [`of field value K`] for a position in the joined string. */
  private at(pos: number): string {
    const { field, offset } = this.locate(pos);
    return `offset ${offset}${this.starts.length > 1 ? ` of field value ${field + 1}` : ''}`;
  }

  /** `offset N [of field value K]`, plus a short excerpt of what follows. */
  private where(pos: number): string {
    const { field } = this.locate(pos);
    const end = this.ends[field]!;
    const excerpt = this.s.slice(Math.min(pos, end), Math.min(end, pos + 24));
    return `${this.at(pos)}${excerpt ? ` (near ${JSON.stringify(excerpt)})` : ''}`;
  }

  fail(code: string, message: string, pos: number): never {
    const { field, offset } = this.locate(pos);
    throw new ChallengeParseError(code, `${message} at ${this.where(pos)}`, offset, field);
  }

  private peek(pos = this.pos): string | undefined {
    return pos < this.s.length ? this.s[pos] : undefined;
  }

  private skipWs(pos = this.pos): number {
    while (isWs(this.s[pos])) pos++;
    return pos;
  }

  /** Skip OWS and commas (empty list elements). */
  private skipListSeparators(pos: number): number {
    while (pos < this.s.length && (isWs(this.s[pos]) || this.s[pos] === ',')) pos++;
    return pos;
  }

  private readToken(pos: number): string {
    let end = pos;
    while (isTchar(this.s[end])) end++;
    return this.s.slice(pos, end);
  }

  /**
   * Unquoted value in lenient mode: 1*( VCHAR except DQUOTE "," "\" ). Accepts what registries really
   * send unquoted (URLs with ":" "/" "?" "=") while still refusing quotes, backslashes, controls, non-ASCII.
   */
  private readLenientValue(pos: number): string {
    let end = pos;
    for (;;) {
      const c = this.s.charCodeAt(end);
      if (end >= this.s.length || c < 0x21 || c > 0x7e || c === 0x22 || c === 0x2c || c === 0x5c) break;
      end++;
    }
    return this.s.slice(pos, end);
  }

  /** Does an auth-param (`token BWS "="`) start at `pos`? */
  private paramStartsAt(pos: number): boolean {
    const name = this.readToken(pos);
    return name.length > 0 && this.s[this.skipWs(pos + name.length)] === '=';
  }

  parse(): Challenge[] {
    const out: Challenge[] = [];
    for (;;) {
      this.pos = this.skipListSeparators(this.pos);
      if (this.pos >= this.s.length) break;
      out.push(this.parseChallenge());
    }
    if (out.length === 0) {
      this.fail('challenge/empty', 'expected at least one challenge (auth-scheme), got an empty field', this.s.length);
    }
    return out;
  }

  private parseChallenge(): Challenge {
    const start = this.pos;
    const scheme = this.readToken(start);
    if (scheme === '') {
      this.fail('challenge/invalid-char', `expected an auth-scheme (token), got ${describeChar(this.peek(start))}`, start);
    }
    this.pos = start + scheme.length;
    const afterName = this.skipWs(this.pos);
    if (this.s[afterName] === '=') {
      this.fail(
        'challenge/missing-scheme',
        `expected an auth-scheme before auth-param ${JSON.stringify(scheme)} (a challenge is "Scheme name=value"), got "${scheme}="`,
        start,
      );
    }
    const challenge: Challenge = { scheme, schemeLower: scheme.toLowerCase(), params: {} };

    const next = this.peek();
    if (next === undefined || next === ',') return challenge;
    if (!isWs(next)) {
      this.fail(
        'challenge/invalid-char',
        `expected SP, "," or end of field after auth-scheme ${JSON.stringify(scheme)}, got ${describeChar(next)}`,
        this.pos,
      );
    }
    const q = this.skipWs(this.pos);
    const afterWs = this.peek(q);
    if (afterWs === undefined || afterWs === ',') {
      this.pos = q;
      return challenge;
    }

    // token68?
    TOKEN68_AT.lastIndex = q;
    const m = TOKEN68_AT.exec(this.s);
    if (m) {
      const t68 = m[0];
      const after = this.skipWs(q + t68.length);
      const ch = this.peek(after);
      if (ch === undefined || ch === ',') {
        const ambiguous = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=$/.test(t68);
        const nextElement = this.skipListSeparators(after);
        if (!(ambiguous && this.paramStartsAt(nextElement))) {
          challenge.token68 = t68;
          this.pos = after;
          return challenge;
        }
        // Fall through: `name=` followed by more auth-params is an auth-param with an empty value.
      }
    }

    this.pos = q;
    this.parseParams(challenge);
    return challenge;
  }

  /** Parse `#auth-param` into `challenge.params`; stops at the end or before the next challenge. */
  private parseParams(challenge: Challenge): void {
    let first = true;
    for (;;) {
      const nameStart = this.pos;
      const name = this.readParamName(challenge, nameStart, first);
      const { value, end, quoted } = this.readParamValue(name, this.skipWs(nameStart + name.length));
      const key = name.toLowerCase();
      if (Object.hasOwn(challenge.params, key)) {
        this.fail(
          'challenge/duplicate-param',
          `expected each parameter at most once per challenge (RFC 9110 §11.2), got a second ${JSON.stringify(key)}` +
            ` in the ${JSON.stringify(challenge.scheme)} challenge`,
          nameStart,
        );
      }
      setParam(challenge.params, key, value);
      first = false;
      const next = this.nextParamStart(name, end, quoted);
      if (next === undefined) return;
      this.pos = next;
    }
  }

  /** The auth-param name (token) at `nameStart`; a missing name is an error that says what was there. */
  private readParamName(challenge: Challenge, nameStart: number, first: boolean): string {
    const name = this.readToken(nameStart);
    if (name !== '') return name;
    const ch = this.peek(nameStart);
    if (first && ch === '"') {
      this.fail(
        'challenge/missing-equals',
        `expected an auth-param "name=" or a token68 after auth-scheme ${JSON.stringify(challenge.scheme)}, got a quoted-string` +
          ` (is "=" missing after ${JSON.stringify(challenge.scheme)}?)`,
        nameStart,
      );
    }
    return this.fail('challenge/invalid-char', `expected an auth-param name (token), got ${describeChar(ch)}`, nameStart);
  }

  /** `= value` from `p` (just after the name and its whitespace): a quoted-string, or a token (lenient: a value). */
  private readParamValue(name: string, p: number): { value: string; end: number; quoted: boolean } {
    const eq = this.peek(p);
    if (eq !== '=') {
      if (eq === undefined || eq === ',' || eq === '"' || isTchar(eq)) {
        this.fail(
          'challenge/missing-equals',
          `expected "=" after auth-param name ${JSON.stringify(name)}, got ${describeChar(eq)}`,
          p,
        );
      }
      this.fail(
        'challenge/invalid-char',
        `expected "=" after auth-param name ${JSON.stringify(name)}, got ${describeChar(eq)} (not allowed in a token)`,
        p,
      );
    }
    const start = this.skipWs(p + 1);
    const v0 = this.peek(start);
    if (v0 === '"') {
      const r = this.readQuoted(start, name);
      return { value: r.value, end: r.end, quoted: true };
    }
    const value = this.strict ? this.readToken(start) : this.readLenientValue(start);
    if (value === '') {
      if (v0 === undefined || v0 === ',') {
        this.fail(
          'challenge/empty-value',
          `expected a token (1+ characters) or a quoted-string as the value of ${JSON.stringify(name)}, got ${describeChar(v0)}`,
          start,
        );
      }
      this.fail(
        'challenge/invalid-char',
        `expected a token or a quoted-string as the value of ${JSON.stringify(name)}, got ${describeChar(v0)}`,
        start,
      );
    }
    return { value, end: start + value.length, quoted: false };
  }

  /**
   * After a parameter's value (ending at `valueEnd`): where the next parameter of this challenge starts, or
   * undefined at the end of the field or before the next challenge (then `this.pos` is left for the outer loop).
   */
  private nextParamStart(name: string, valueEnd: number, quoted: boolean): number | undefined {
    const p = this.skipWs(valueEnd);
    const sep = this.peek(p);
    if (sep === undefined) {
      this.pos = p;
      return undefined;
    }
    if (sep !== ',') {
      const expected = `expected "," or end of field after the value of ${JSON.stringify(name)}`;
      if ((p > valueEnd || quoted) && (isTchar(sep) || sep === '"')) {
        this.fail('challenge/missing-comma', `${expected}, got ${describeChar(sep)} (missing comma between parameters?)`, p);
      }
      const unquoted = this.strict ? 'token' : 'value';
      const hint = p === valueEnd && !quoted ? ` (not allowed in an unquoted ${unquoted}; quote the value)` : '';
      this.fail('challenge/invalid-char', `${expected}, got ${describeChar(sep)}${hint}`, p);
    }
    const nextItem = this.skipListSeparators(p);
    if (nextItem >= this.s.length || !this.paramStartsAt(nextItem)) {
      // End, or a new challenge: let the outer loop take it from the comma.
      this.pos = p;
      return undefined;
    }
    return nextItem;
  }

  private readQuoted(open: number, name: string): { value: string; end: number } {
    let value = '';
    let p = open + 1;
    for (;;) {
      if (this.atFieldEnd(p)) {
        this.fail(
          'challenge/unterminated-quote',
          `expected a closing '"' for the quoted value of ${JSON.stringify(name)} opened at ${this.at(open)}, got end of field`,
          p,
        );
      }
      const ch = this.s[p]!;
      if (ch === '"') return { value, end: p + 1 };
      if (ch === '\\') {
        if (this.atFieldEnd(p + 1)) {
          this.fail(
            'challenge/unterminated-quote',
            `expected a character after "\\" and a closing '"' for the quoted value of ${JSON.stringify(name)}, got end of field`,
            p + 1,
          );
        }
        const esc = this.s[p + 1]!;
        if (!isQuotedPairChar(esc)) {
          this.fail(
            'challenge/invalid-char',
            `expected a visible character after "\\" in the value of ${JSON.stringify(name)}, got ${describeChar(esc)}`,
            p + 1,
          );
        }
        value += esc;
        p += 2;
        continue;
      }
      if (!isQdtext(ch)) {
        this.fail(
          'challenge/invalid-char',
          `expected a quoted-string character in the value of ${JSON.stringify(name)}, got ${describeChar(ch)} (control character)`,
          p,
        );
      }
      value += ch;
      p++;
    }
  }
}

export interface ParseOptions {
  /**
   * `true`: an unquoted auth-param value must be an RFC 9110 `token` (so `realm=https://r/t` fails with
   * `challenge/invalid-char` at the ":"). Default `false`: unquoted values may also contain the other
   * visible ASCII characters except DQUOTE, "," and "\" (check REG-03: "SHOULD accept unquoted values").
   * Schemes and parameter names are strict tokens in both modes.
   */
  strict?: boolean;
}

/**
 * Parse one or more `WWW-Authenticate` field values into challenges, in order. Throws
 * `ChallengeParseError` (a `ProtocolError`) on anything the RFC grammar does not allow.
 */
export function parseChallenges(fieldValues: string | readonly string[], opts: ParseOptions = {}): Challenge[] {
  const fields = typeof fieldValues === 'string' ? [fieldValues] : fieldValues;
  return new Parser(fields, opts.strict ?? false).parse();
}

// ---------------------------------------------------------------------------------------------------
// Bearer selection

function renderChallenge(c: Challenge): string {
  if (c.token68 !== undefined) return `${c.scheme} ${c.token68}`;
  const params = Object.entries(c.params).map(([k, v]) => `${k}=${quote(v.length > 60 ? v.slice(0, 57) + '...' : v)}`);
  return params.length ? `${c.scheme} ${params.join(', ')}` : c.scheme;
}

/**
 * Pick the first Bearer challenge (scheme compared case-insensitively) and extract its parameters.
 * Errors: `challenge/missing` (no challenge), `challenge/not-bearer`, `challenge/no-realm` (absent or
 * empty realm).
 */
export function selectBearer(challenges: Challenge[]): BearerChallenge {
  if (challenges.length === 0) {
    throw new ProtocolError('challenge/missing', 'expected a WWW-Authenticate challenge on the 401 response, got none');
  }
  const bearer = challenges.find((c) => c.schemeLower === 'bearer');
  if (!bearer) {
    throw new ProtocolError('challenge/not-bearer', `expected a Bearer challenge, got ${challenges.map(renderChallenge).join(', ')}`);
  }
  const p = bearer.params;
  const realm = Object.hasOwn(p, 'realm') ? p['realm'] : undefined;
  if (realm === undefined || realm === '') {
    let got: string;
    if (bearer.token68 !== undefined) {
      got = /^[^=]+=$/.test(bearer.token68)
        ? `token68 ${JSON.stringify(bearer.token68)} (a parameter without a value?)`
        : `token68 ${JSON.stringify(bearer.token68)}`;
    } else if (realm === '') {
      got = 'realm=""';
    } else {
      got = Object.keys(p).length ? `parameters ${Object.keys(p).join(', ')}` : 'no parameters';
    }
    throw new ProtocolError('challenge/no-realm', `expected a non-empty realm in the Bearer challenge, got ${got}`);
  }
  const result: BearerChallenge = { realm, scopes: [], params: { ...p } };
  if (Object.hasOwn(p, 'service')) result.service = p['service']!;
  if (Object.hasOwn(p, 'scope')) {
    result.scope = p['scope']!;
    result.scopes = result.scope.split(' ').filter((s) => s !== '');
  }
  if (Object.hasOwn(p, 'error')) result.error = p['error']!;
  return result;
}

/**
 * `selectBearer(parseChallenges(fieldValues))`. `undefined`, `[]`, or field values that are all empty
 * strings mean the response had no challenge: `challenge/missing`.
 */
export function parseBearerChallenge(fieldValues: string | readonly string[] | undefined, opts: ParseOptions = {}): BearerChallenge {
  const fields: readonly string[] = fieldValues === undefined ? [] : typeof fieldValues === 'string' ? [fieldValues] : fieldValues;
  if (fields.every((f) => f === '')) {
    throw new ProtocolError('challenge/missing', 'expected a WWW-Authenticate header on the 401 response, got none');
  }
  return selectBearer(parseChallenges(fields, opts));
}

// ---------------------------------------------------------------------------------------------------
// Formatting (server side)

export interface ChallengeSpec {
  scheme?: 'Bearer';
  realm: string;
  service?: string;
  scope?: string;
  /** Further auth-params, emitted after realm, service, scope in insertion order. */
  extra?: Record<string, string>;
}

export interface FormatOptions {
  /** `always` (default, Ollama's fixture shape) or `when-needed` (bare token when the value is one). */
  quote?: 'always' | 'when-needed';
}

function quote(v: string): string {
  return '"' + v.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/**
 * Build a `WWW-Authenticate` value: `Bearer realm="…",service="…",scope="…"` (no spaces after commas,
 * order realm, service, scope, then extras). `"` and `\` are escaped. Throws `challenge/unformattable`
 * for a value with control characters (no quoted-string can carry them), a parameter name that is not a
 * token, or an extra that repeats realm/service/scope or another extra (case-insensitively).
 */
export function formatChallenge(spec: ChallengeSpec, opts: FormatOptions = {}): string {
  const mode = opts.quote ?? 'always';
  const pairs: [string, string][] = [['realm', spec.realm]];
  if (spec.service !== undefined) pairs.push(['service', spec.service]);
  if (spec.scope !== undefined) pairs.push(['scope', spec.scope]);
  for (const [k, v] of Object.entries(spec.extra ?? {})) pairs.push([k, v]);

  const seen = new Set<string>();
  const parts = pairs.map(([k, v]) => {
    if (!TOKEN.test(k)) {
      throw new ProtocolError('challenge/unformattable', `expected an auth-param name that is a token, got ${JSON.stringify(k)}`);
    }
    const lower = k.toLowerCase();
    if (seen.has(lower)) {
      throw new ProtocolError('challenge/unformattable', `expected each parameter once, got ${JSON.stringify(k)} twice (RFC 9110 §11.2)`);
    }
    seen.add(lower);
    const bad = [...v].find((ch) => !isQdtext(ch) && ch !== '"' && ch !== '\\');
    if (bad !== undefined) {
      throw new ProtocolError(
        'challenge/unformattable',
        `expected a value a quoted-string can carry for ${JSON.stringify(k)}, got control character ${JSON.stringify(bad)}`,
      );
    }
    return `${k}=${mode === 'when-needed' && TOKEN.test(v) ? v : quote(v)}`;
  });
  return `${spec.scheme ?? 'Bearer'} ${parts.join(',')}`;
}
