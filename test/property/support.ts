/**
 * Shared pieces of the property suites: how many inputs a run tries (OAC_PROPERTY_RUNS, default 200 so the
 * whole suite stays well inside `npm test`; scripts/property-long.mjs sets 100000), the one property every
 * parser must hold (any input: a result, or an OacError subclass; never a TypeError, RangeError, …), input
 * generators (arbitrary text and bytes, and mutations of valid inputs, which reach deeper than noise), and
 * the figures a long run reports (OAC_PROPERTY_REPORT names a JSON-lines file to append them to).
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { OacError } from '../../src/errors.js';

export const NUM_RUNS = ((): number => {
  const raw = process.env['OAC_PROPERTY_RUNS'];
  if (raw === undefined || raw === '') return 200;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`OAC_PROPERTY_RUNS must be a whole number ≥ 1, got ${JSON.stringify(raw)}`);
  return n;
})();

/** A seed from OAC_PROPERTY_SEED replays a failure fast-check reported; otherwise fast-check picks one. */
const SEED = process.env['OAC_PROPERTY_SEED'] === undefined ? undefined : Number(process.env['OAC_PROPERTY_SEED']);

/** Generous for the 10^5 run (the file-based loaders take up to ~10 ms an input on a busy machine). */
export const PROPERTY_TIMEOUT_MS = Math.max(30_000, NUM_RUNS * 25);

/** Thrown by `typedOnly` so fast-check shrinks to the smallest input that escapes untyped. */
export class UntypedThrow extends Error {}

/** Run `parse`; return normally or throw only an OacError. Anything else is re-thrown as UntypedThrow. */
export function typedOnly<T>(parse: () => T): T | OacError {
  try {
    return parse();
  } catch (err) {
    if (err instanceof OacError) return err;
    const what = err instanceof Error ? `${err.constructor.name}: ${err.message}` : `a non-Error value ${String(err)}`;
    throw new UntypedThrow(`untyped throw (not an OacError): ${what}`, { cause: err });
  }
}

/**
 * fc.assert with the run count, and the figure (name, inputs, milliseconds) appended to OAC_PROPERTY_REPORT.
 * `parser` names what the long-run table groups by.
 */
export function check<Ts extends [unknown, ...unknown[]]>(parser: string, property: string, prop: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, runs = NUM_RUNS): void | Promise<void> {
  const started = process.hrtime.bigint();
  const params: fc.Parameters<Ts> = { numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }) };
  const record = (failed: string | undefined): void => {
    const file = process.env['OAC_PROPERTY_REPORT'];
    if (!file) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    appendFileSync(file, `${JSON.stringify({ parser, property, runs, ms: Math.round(ms), failed: failed ?? null })}\n`);
  };
  const finish = (err: unknown): void => {
    record(err === undefined ? undefined : (err as Error).message.split('\n')[0]);
    if (err !== undefined) throw err;
  };
  let result: unknown;
  try {
    // fc.assert returns a promise for an async property, nothing for a sync one.
    result = fc.assert(prop as fc.IProperty<Ts>, params) as unknown;
  } catch (err) {
    finish(err);
    return;
  }
  if (result instanceof Promise) return result.then(() => finish(undefined), (err: unknown) => finish(err ?? new Error('rejected')));
  finish(undefined);
}

/** Characters that break parsers: quotes, separators, escapes, controls, non-ASCII, a lone surrogate. */
const NASTY_CHARS = ['"', "'", '\\', ',', '=', ';', ':', '/', '?', '#', '%', '&', '+', ' ', '\t', '\r', '\n', '\0', '\u007f', 'é', '€', '😀', '\uD800', '\uFFFD', '-', '=', '`', '{', '}', '[', ']'];

/** Any string: UTF-16 units including lone surrogates, or the nasty characters above, or both. */
export function anyString(maxLength = 200): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom(...NASTY_CHARS), maxLength: 40 }),
    fc.string({ unit: fc.oneof(fc.constantFrom(...NASTY_CHARS), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 })), maxLength }),
  );
}

export function anyBytes(maxLength = 300): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'replace'; at: number; text: string };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: anyString(6) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...NASTY_CHARS) }),
);

function applyEdit(s: string, e: Edit): string {
  const at = s.length === 0 ? 0 : e.at % (s.length + 1);
  switch (e.kind) {
    case 'insert':
      return s.slice(0, at) + e.text + s.slice(at);
    case 'delete':
      return s.slice(0, at) + s.slice(at + e.length);
    case 'duplicate':
      return s.slice(0, at) + s.slice(at, at + e.length) + s.slice(at);
    case 'truncate':
      return s.slice(0, at);
    case 'replace':
      return s.slice(0, at) + e.text + s.slice(at + 1);
  }
}

/** One of `valid`, with 1–4 random edits: near-valid input, which gets past a parser's first checks. */
export function mutated(valid: fc.Arbitrary<string> | readonly string[]): fc.Arbitrary<string> {
  const base = Array.isArray(valid) ? fc.constantFrom(...(valid as string[])) : (valid as fc.Arbitrary<string>);
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([s, edits]) => edits.reduce(applyEdit, s));
}

/** Bytes of `valid` with 1–6 bytes flipped, inserted or removed (a corrupted file, a cut download). */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const op = fc.record({ kind: fc.constantFrom('flip', 'insert', 'remove', 'truncate'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
  return fc.array(op, { minLength: 1, maxLength: 6 }).map((ops) => {
    let b = Array.from(valid);
    for (const o of ops) {
      const at = b.length === 0 ? 0 : o.at % b.length;
      if (o.kind === 'flip') b[at] = (b[at] ?? 0) ^ (o.byte || 1);
      else if (o.kind === 'insert') b.splice(at, 0, o.byte);
      else if (o.kind === 'remove') b.splice(at, 1);
      else b = b.slice(0, at);
    }
    return Uint8Array.from(b);
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (keys and indices) of a JSON document, the document itself included. */
function paths(doc: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (doc !== null && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/**
 * A valid JSON document with 1–3 structural mutations: a value replaced (by any JSON value, or one of the
 * wrong type), a key or element removed, an element duplicated. Reaches schema and structure checks that
 * random text never gets to.
 */
export function mutatedJson(valid: readonly unknown[]): fc.Arbitrary<unknown> {
  const op = fc.record({
    pick: fc.nat(),
    kind: fc.constantFrom('replace', 'remove', 'duplicate', 'wrong-type'),
    value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  });
  return fc.tuple(fc.constantFrom(...valid), fc.array(op, { minLength: 1, maxLength: 3 })).map(([doc, ops]) => {
    let out = structuredClone(doc) as Json;
    for (const o of ops) {
      const all = paths(out);
      const path = all[o.pick % all.length]!;
      if (path.length === 0) {
        out = o.kind === 'replace' ? o.value : out;
        continue;
      }
      let parent = out as Record<string | number, Json>;
      for (const key of path.slice(0, -1)) parent = parent[key] as unknown as Record<string | number, Json>;
      const last = path[path.length - 1]!;
      const current = parent[last]!;
      if (o.kind === 'replace') parent[last] = o.value;
      else if (o.kind === 'wrong-type') parent[last] = typeof current === 'string' ? 7 : typeof current === 'number' ? '7' : Array.isArray(current) ? {} : current === null ? [] : 'x';
      else if (o.kind === 'remove') {
        if (Array.isArray(parent)) (parent as Json[]).splice(last as number, 1);
        else delete parent[last];
      } else if (Array.isArray(parent)) (parent as Json[]).splice(last as number, 0, structuredClone(current));
      else parent[`${String(last)}_copy`] = structuredClone(current);
    }
    return out;
  });
}

/** Text a JSON loader may meet: mutated documents, mutated text of valid documents, and noise. */
export function jsonInputs(valid: readonly unknown[]): fc.Arbitrary<string> {
  const texts = valid.map((d) => JSON.stringify(d, null, 2));
  return fc.oneof(
    { weight: 3, arbitrary: mutatedJson(valid).map((d) => JSON.stringify(d) ?? 'null') },
    { weight: 2, arbitrary: mutated(texts) },
    { weight: 1, arbitrary: anyString() },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((d) => JSON.stringify(d)) },
  );
}
