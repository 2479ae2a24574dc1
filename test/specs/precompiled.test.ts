/**
 * The schemas compiled at build time (scripts/build-schemas.mjs, Ajv standalone code) judge exactly as
 * the schemas compiled at run time: same verdict, same problems, same messages, for every document under
 * specs/ and for broken copies of them. Used only for the schema files they were made from.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { listJsonFiles, specsDir } from '../../src/specs/load.js';
import { loadPrecompiledSchemas, PRECOMPILED_DIR, readSchemaDirectory, SpecValidator, type PrecompiledSchemas } from '../../src/specs/validate.js';

const schemasDir = join(specsDir(), 'schemas');
let dir: string;
let index: string;
let precompiled: PrecompiledSchemas;

function build(schemas: string, out: string): string {
  if (!existsSync('dist/specs/validate.js')) throw new Error('dist/specs/validate.js is missing: run "npm run build" first (npm test does)');
  return execFileSync(process.execPath, ['scripts/build-schemas.mjs', '--schemas', schemas, '--out', out], { encoding: 'utf8' });
}

beforeAll(() => {
  // Inside the package (its .tmp/), not $TMPDIR: the generated code requires ajv's runtime from node_modules.
  mkdirSync('.tmp', { recursive: true });
  dir = mkdtempSync(path.resolve('.tmp', 'precompiled-'));
  index = join(dir, 'schemas.generated.cjs');
  build(schemasDir, index);
  precompiled = loadPrecompiledSchemas(schemasDir, index)!;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Each document under specs/ with the schema it follows (as `oac specs lint` pairs them). */
function documents(): [string, string, unknown][] {
  const specs = specsDir();
  const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
  return [
    ...listJsonFiles(join(specs, 'scenarios')).map((f) => ['scenario', f, read(f)] as [string, string, unknown]),
    ['checks', 'checks.json', read(join(specs, 'checks.json'))],
    ['error-codes', 'error-codes.json', read(join(specs, 'error-codes.json'))],
    ['routes', 'routes.json', read(join(specs, 'routes.json'))],
  ];
}

/** A copy with a few things a careless edit does: a wrong type, an unknown property, a missing field. */
function broken(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 42;
  const copy = structuredClone(doc) as Record<string, unknown>;
  const [first] = Object.keys(copy).filter((k) => k !== '$schema');
  if (first !== undefined) delete copy[first];
  copy['noSuchProperty'] = true;
  if (typeof copy['id'] === 'string') copy['id'] = 7;
  return copy;
}

describe('build-schemas', () => {
  test('writes an index naming every schema, and one module per schema', () => {
    expect([...precompiled.names].sort()).toEqual([...readSchemaDirectory(schemasDir).keys()].sort());
    for (const name of precompiled.names) expect(existsSync(join(dir, PRECOMPILED_DIR, `${name}.cjs`))).toBe(true);
  });

  test('judges every document of specs/ (and a broken copy of each) exactly as a run-time compile does', () => {
    const atRunTime = SpecValidator.fromDirectory(schemasDir);
    const ahead = new SpecValidator({ precompiled, schemasDir });
    const docs = documents();
    expect(docs.length).toBeGreaterThan(60);
    for (const [schema, file, doc] of docs) {
      for (const data of [doc, broken(doc)]) {
        expect({ file, result: ahead.validate(schema, data) }).toEqual({ file, result: atRunTime.validate(schema, data) });
      }
    }
  });

  test('the user-facing messages are unchanged: assertValid, unknown schemas, fragments', () => {
    const ahead = new SpecValidator({ precompiled, schemasDir });
    expect(() => ahead.assertValid('token-response', { token: '' }, 'token endpoint body')).toThrow('token endpoint body: /token: must NOT have fewer than 1 characters');
    expect(() => ahead.validate('no-such-schema', {})).toThrow(`no schema "no-such-schema": expected one of ${[...precompiled.names].join(', ')}`);
    // A fragment is not precompiled: it is compiled from the same directory on first use.
    expect(ahead.validate('exec-contract#/$defs/env', { OAC_CONTRACT: 'oac-exec/1' })).toEqual({ ok: false, errors: [{ path: '', message: 'must have property "HOME"' }] });
  });

  test('precompiled code is not used for schema files that changed since it was built', () => {
    const edited = join(dir, 'edited-schemas');
    cpSync(schemasDir, edited, { recursive: true });
    expect(loadPrecompiledSchemas(edited, index)).toBeDefined();
    const file = join(edited, 'baseline.schema.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"title"', '"$comment": "edited", "title"'));
    expect(loadPrecompiledSchemas(edited, index)).toBeUndefined();
    expect(loadPrecompiledSchemas(schemasDir, join(dir, 'not-built.cjs'))).toBeUndefined();
  });
});
