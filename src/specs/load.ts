/**
 * Finding and reading the files under specs/. The specs ship inside the npm package beside dist/, so they
 * are located relative to this module, not to the working directory: src/specs/load.ts (under ts-jest) and
 * dist/specs/load.js (after build) are both two levels below the package root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../errors.js';

/** The installed package's specs/ directory (absolute path, with a trailing separator). */
export function specsDir(): string {
  return fileURLToPath(new URL('../../specs/', import.meta.url));
}

/** A JSON syntax error, located in the file. */
export class SpecSyntaxError extends ProtocolError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(file: string, line: number, column: number, detail: string) {
    super('spec/json-syntax', `${file}:${line}:${column}: invalid JSON: ${detail}`);
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** Read and parse a JSON file; a syntax error becomes a SpecSyntaxError with line and column (1-based). */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProtocolError('spec/unreadable', `${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    // V8's messages do not always carry a position ("Unexpected token 'x', ... is not valid JSON"), so the
    // position comes from our own scanner; the engine's wording stays as the detail.
    const offset = firstJsonErrorOffset(text);
    const { line, column } = lineColumn(text, offset ?? text.length);
    const detail = offset === undefined ? `${err.message} (position not located)` : err.message;
    throw new SpecSyntaxError(file, line, column, detail);
  }
}

/** List the `*.json` files of a directory, sorted; a missing directory is an empty list. */
export function listJsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ProtocolError('spec/unreadable', `${dir}: cannot list: ${(err as Error).message}`, { cause: err });
  }
  return names.filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));
}

// ---------------------------------------------------------------------------------------------------
// Locating a JSON syntax error: a minimal RFC 8259 scanner that returns the offset of the first character
// that cannot continue a valid document (or undefined when the text is valid).

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class JsonScanError {
  constructor(readonly offset: number) {}
}

/** Walks one document; the first character that cannot continue it throws a JsonScanError with its offset. */
class JsonScanner {
  private i = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.ws();
    if (this.i < this.text.length) this.fail();
  }

  private fail(at = this.i): never {
    throw new JsonScanError(at);
  }

  private ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  private value(): void {
    this.ws();
    const ch = this.text[this.i];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (ch === 't') return this.literal('true');
    if (ch === 'f') return this.literal('false');
    if (ch === 'n') return this.literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    this.fail();
  }

  private object(): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail();
      this.string();
      this.ws();
      if (this.text[this.i] !== ':') this.fail();
      this.i++;
      this.value();
      if (this.endOfMember('}')) return;
    }
  }

  private array(): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      if (this.endOfMember(']')) return;
    }
  }

  /** After a member or an element: `,` continues (false), `close` ends the container (true). */
  private endOfMember(close: '}' | ']'): boolean {
    this.ws();
    const ch = this.text[this.i];
    if (ch !== ',' && ch !== close) this.fail();
    this.i++;
    return ch === close;
  }

  private literal(word: string): void {
    for (const ch of word) {
      if (this.text[this.i] !== ch) this.fail();
      this.i++;
    }
  }

  private string(): void {
    this.i++; // opening quote
    for (;;) {
      if (this.i >= this.text.length) this.fail();
      const c = this.text.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail();
      if (c === 0x5c) {
        this.escape();
        continue;
      }
      this.i++;
    }
  }

  /** A backslash escape at `i`: `\uXXXX` or one of `"\/bfnrt`; anything else fails at the escaped character. */
  private escape(): void {
    const e = this.text[this.i + 1];
    if (e === 'u') {
      if (!/^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) this.fail(this.i + 1);
      this.i += 6;
    } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
      this.i += 2;
    } else {
      this.fail(this.i + 1);
    }
  }

  private number(): void {
    const m = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.text);
    if (!r || r[0] === '' || r[0] === '-') this.fail();
    this.i += r[0].length;
  }
}

export function firstJsonErrorOffset(text: string): number | undefined {
  try {
    new JsonScanner(text).document();
    return undefined;
  } catch (err) {
    if (err instanceof JsonScanError) return err.offset;
    throw err;
  }
}
