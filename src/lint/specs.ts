/**
 * `oac specs lint`: everything under specs/ is data that code and other languages rely on, so it is
 * checked as a whole: schemas compile and describe themselves, every document validates against its
 * schema, and every cross-reference (check ids, error codes, cassettes) points at something that exists.
 * Problems are collected, never thrown, so one run reports all of them with file and JSON pointer.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { OacError } from '../errors.js';
import { mutationTargetProblems } from '../conformance/mutate.js';
import type { Scenario } from '../conformance/types.js';
import { lintRecordings } from '../recorder/lint.js';
import { listJsonFiles, readJsonFile, SpecSyntaxError } from '../specs/load.js';
import { SCHEMA_DIALECT, SCHEMA_NAMES, schemaId, schemaNameOfFile, SpecValidator } from '../specs/validate.js';

export interface LintProblem {
  /** The file, as `<dir>/<relative path>` with the directory as the caller gave it. */
  file: string;
  /** JSON pointer inside the file; "" for the file as a whole. */
  path: string;
  message: string;
}

interface LintCounts {
  schemas: number;
  checks: number;
  errorCodes: number;
  vectorFiles: number;
  /** Test cases over all vector files. */
  vectors: number;
  mustFail: number;
  scenarios: number;
  /** HAR cassettes under recordings/ (linted with the recorder's rules: structure, provenance, secret scan). */
  cassettes?: number;
}

export interface LintResult {
  problems: LintProblem[];
  counts: LintCounts;
}

export interface LintOptions {
  /** Where scenario `cassette` paths are resolved (default: `<dir>/../recordings`). */
  recordingsDir?: string;
}

/** All problems of the specs directory `dir`; an empty list means it is consistent. */
export function lintSpecs(dir: string, opts: LintOptions = {}): LintProblem[] {
  return lintSpecsDetailed(dir, opts).problems;
}

type Json = unknown;

function isRecord(x: Json): x is Record<string, Json> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function asArray(x: Json): Json[] {
  return Array.isArray(x) ? x : [];
}

/**
 * One lint run over `dir`: where problems go, what was counted, and the helpers every step shares. The
 * steps below fill it in order: schemas first (every other file is validated with them), then the
 * catalogues other files refer to (checks, error codes), then the files that refer to them.
 */
class LintRun {
  readonly problems: LintProblem[] = [];
  readonly counts: LintCounts = { schemas: 0, checks: 0, errorCodes: 0, vectorFiles: 0, vectors: 0, mustFail: 0, scenarios: 0 };
  private validator: SpecValidator | undefined;
  private compiled = new Set<string>();
  /** The check ids of checks.json; undefined when it could not be read (no "unknown id" noise then). */
  checkIds: Set<string> | undefined;

  constructor(readonly dir: string) {}

  report(rel: string, path: string, message: string): void {
    this.problems.push({ file: join(this.dir, rel), path, message });
  }

  /** Parse a file; syntax and read errors become problems and give `undefined`. */
  load(rel: string): Json | undefined {
    try {
      return readJsonFile(join(this.dir, rel));
    } catch (err) {
      if (err instanceof SpecSyntaxError) {
        const detail = err.message.replace(/^.*?: invalid JSON: /, '');
        this.report(rel, '', `invalid JSON at line ${err.line}, column ${err.column}: ${detail}`);
        return undefined;
      }
      if (err instanceof OacError) {
        this.report(rel, '', err.message);
        return undefined;
      }
      throw err;
    }
  }

  useSchemas(validator: SpecValidator): void {
    this.validator = validator;
    this.compiled = new Set(validator.names());
    this.counts.schemas = this.compiled.size;
  }

  /** Validate `doc` against `schema`, or report why it cannot be validated. */
  validate(rel: string, schema: string, doc: Json): boolean {
    if (this.validator === undefined || !this.compiled.has(schema)) {
      this.report(rel, '', `not validated: schemas/${schema}.schema.json is missing or does not compile`);
      return false;
    }
    const result = this.validator.validate(schema, doc);
    for (const p of result.errors) this.report(rel, p.path, p.message);
    return result.ok;
  }

  /** A document's own `$schema`, when it has one, must point at the schema it is validated with. */
  checkSchemaPointer(rel: string, doc: Json, schema: string): void {
    if (!isRecord(doc) || doc['$schema'] === undefined) return;
    const allowed = [`../schemas/${schema}.schema.json`, `./schemas/${schema}.schema.json`, schemaId(schema)];
    if (!allowed.includes(doc['$schema'] as string)) {
      this.report(rel, '/$schema', `is ${JSON.stringify(doc['$schema'])}, expected ${JSON.stringify(allowed[rel.includes('/') ? 0 : 1])}`);
    }
  }

  requireCheck(rel: string, path: string, id: Json): void {
    if (typeof id === 'string' && this.checkIds !== undefined && !this.checkIds.has(id)) {
      this.report(rel, path, `unknown check id ${JSON.stringify(id)}: not in checks.json`);
    }
  }

  result(): LintResult {
    return { problems: this.problems, counts: this.counts };
  }
}

export function lintSpecsDetailed(dir: string, opts: LintOptions = {}): LintResult {
  const run = new LintRun(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    run.report('', '', 'not a directory');
    return run.result();
  }
  lintSchemas(run);
  lintChecks(run);
  const errorCodes = lintErrorCodes(run);
  lintRoutes(run);
  lintVectors(run, errorCodes);
  const recordingsDir = opts.recordingsDir ?? resolve(dir, '..', 'recordings');
  lintScenarios(run, recordingsDir);
  lintCassettes(run, recordingsDir);
  return run.result();
}

/** Every schema compiles and describes itself ($schema dialect, $id, title, description); none is missing. */
function lintSchemas(run: LintRun): void {
  const schemas = new Map<string, object>();
  for (const file of listJsonFiles(join(run.dir, 'schemas'))) {
    const rel = `schemas/${basename(file)}`;
    if (!file.endsWith('.schema.json')) {
      run.report(rel, '', 'schema files are named <name>.schema.json');
      continue;
    }
    const doc = run.load(rel);
    if (doc === undefined) continue;
    if (!isRecord(doc)) {
      run.report(rel, '', 'a schema must be a JSON object');
      continue;
    }
    const name = schemaNameOfFile(file);
    const expectedId = schemaId(name);
    if (doc['$schema'] !== SCHEMA_DIALECT) run.report(rel, '/$schema', `must be ${JSON.stringify(SCHEMA_DIALECT)} (JSON Schema 2020-12)`);
    if (doc['$id'] === undefined) run.report(rel, '/$id', `missing: expected ${JSON.stringify(expectedId)}`);
    else if (doc['$id'] !== expectedId) run.report(rel, '/$id', `is ${JSON.stringify(doc['$id'])}, expected ${JSON.stringify(expectedId)}`);
    for (const key of ['title', 'description']) {
      if (typeof doc[key] !== 'string' || (doc[key] as string).trim() === '') run.report(rel, `/${key}`, 'missing: every schema needs a non-empty ' + key);
    }
    // Keep linting the rest even when $id is wrong: register the schema under the id others refer to.
    schemas.set(name, { ...doc, $id: expectedId });
  }
  for (const name of SCHEMA_NAMES) {
    if (!schemas.has(name) && !existsSync(join(run.dir, 'schemas', `${name}.schema.json`))) {
      run.report(`schemas/${name}.schema.json`, '', 'missing: the library validates with this schema');
    }
  }
  run.useSchemas(new SpecValidator(schemas, (name, message) => run.report(`schemas/${name}.schema.json`, '', `does not compile: ${message}`)));
}

/** The `id` fields of a catalogue's entries, each duplicate reported at its JSON pointer. */
function uniqueIds(run: LintRun, rel: string, entries: Json, listName: string, what: string): Set<string> {
  const ids = new Set<string>();
  asArray(entries).forEach((entry, i) => {
    const id = isRecord(entry) ? entry['id'] : undefined;
    if (typeof id !== 'string') return;
    if (ids.has(id)) run.report(rel, `/${listName}/${i}/id`, `duplicate ${what} id ${JSON.stringify(id)}`);
    ids.add(id);
  });
  return ids;
}

/** checks.json validates and has no duplicate id; its ids are what every other file may name. */
function lintChecks(run: LintRun): void {
  const doc = run.load('checks.json');
  if (doc === undefined) return;
  run.checkSchemaPointer('checks.json', doc, 'checks');
  run.validate('checks.json', 'checks', doc);
  run.checkIds = uniqueIds(run, 'checks.json', isRecord(doc) ? doc['checks'] : undefined, 'checks', 'check');
  run.counts.checks = run.checkIds.size;
}

/** error-codes.json: valid, no duplicate code, every check it names exists. Its codes, or undefined. */
function lintErrorCodes(run: LintRun): Set<string> | undefined {
  const doc = run.load('error-codes.json');
  if (doc === undefined) return undefined;
  run.checkSchemaPointer('error-codes.json', doc, 'error-codes');
  run.validate('error-codes.json', 'error-codes', doc);
  const errorCodes = new Set<string>();
  asArray(isRecord(doc) ? doc['codes'] : undefined).forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const code = entry['code'];
    if (typeof code === 'string') {
      if (errorCodes.has(code)) run.report('error-codes.json', `/codes/${i}/code`, `duplicate error code ${JSON.stringify(code)}`);
      errorCodes.add(code);
    }
    asArray(entry['checks']).forEach((id, j) => run.requireCheck('error-codes.json', `/codes/${i}/checks/${j}`, id));
  });
  run.counts.errorCodes = errorCodes.size;
  return errorCodes;
}

/** routes.json (the route catalogue `oac probe` walks and the local Ollama stand-in serves), when present. */
function lintRoutes(run: LintRun): void {
  if (!existsSync(join(run.dir, 'routes.json'))) return;
  const doc = run.load('routes.json');
  if (doc === undefined) return;
  run.checkSchemaPointer('routes.json', doc, 'routes');
  run.validate('routes.json', 'routes', doc);
  uniqueIds(run, 'routes.json', isRecord(doc) ? doc['routes'] : undefined, 'routes', 'route');
}

/** Vector files: valid, unique test names, every check and error code they name exists. */
function lintVectors(run: LintRun, errorCodes: Set<string> | undefined): void {
  for (const file of listJsonFiles(join(run.dir, 'vectors'))) {
    const rel = `vectors/${basename(file)}`;
    const doc = run.load(rel);
    if (doc === undefined) continue;
    run.counts.vectorFiles++;
    run.checkSchemaPointer(rel, doc, 'vectors');
    run.validate(rel, 'vectors', doc);
    if (!isRecord(doc)) continue;
    asArray(doc['checks']).forEach((id, j) => run.requireCheck(rel, `/checks/${j}`, id));
    const names = new Set<string>();
    asArray(doc['tests']).forEach((test, i) => {
      if (!isRecord(test)) return;
      run.counts.vectors++;
      if (test['must_fail'] === true) run.counts.mustFail++;
      const name = test['name'];
      if (typeof name === 'string') {
        if (names.has(name)) run.report(rel, `/tests/${i}/name`, `duplicate test name ${JSON.stringify(name)}`);
        names.add(name);
      }
      const code = test['error_code'];
      if (typeof code === 'string' && errorCodes !== undefined && !errorCodes.has(code)) {
        run.report(rel, `/tests/${i}/error_code`, `unknown error code ${JSON.stringify(code)}: not in error-codes.json`);
      }
      asArray(test['checks']).forEach((id, j) => run.requireCheck(rel, `/tests/${i}/checks/${j}`, id));
    });
  }
}

/** Scenarios: valid, mutation targets that exist, unique ids, known checks, a cassette inside recordings/. */
function lintScenarios(run: LintRun, recordingsDir: string): void {
  const scenarioIds = new Map<string, string>();
  for (const file of listJsonFiles(join(run.dir, 'scenarios'))) {
    const rel = `scenarios/${basename(file)}`;
    const doc = run.load(rel);
    if (doc === undefined) continue;
    run.counts.scenarios++;
    run.checkSchemaPointer(rel, doc, 'scenario');
    const valid = run.validate(rel, 'scenario', doc);
    if (!isRecord(doc)) continue;
    // Only a valid scenario has an action and operations to compare; an invalid one is reported above.
    if (valid) for (const p of mutationTargetProblems(doc as unknown as Scenario)) run.report(rel, `/mutation/${p.index}/target`, p.message);
    const id = doc['id'];
    if (typeof id === 'string') {
      const other = scenarioIds.get(id);
      if (other) run.report(rel, '/id', `duplicate scenario id ${JSON.stringify(id)} (also in ${other})`);
      scenarioIds.set(id, rel);
    }
    const expect = isRecord(doc['expect']) ? doc['expect'] : {};
    asArray(expect['checks']).forEach((cid, j) => run.requireCheck(rel, `/expect/checks/${j}`, cid));
    lintScenarioCassette(run, rel, doc['cassette'], recordingsDir);
  }
}

function lintScenarioCassette(run: LintRun, rel: string, cassette: Json, recordingsDir: string): void {
  if (typeof cassette !== 'string') return;
  const path = resolve(recordingsDir, cassette);
  const inside = relative(resolve(recordingsDir), path);
  if (inside.startsWith('..') || isAbsolute(inside)) run.report(rel, '/cassette', `must stay inside recordings/, got ${JSON.stringify(cassette)}`);
  else if (!existsSync(path)) run.report(rel, '/cassette', `no such cassette: ${path}`);
}

/** Cassettes: structure, provenance schema, redaction manifest and the strict secret scan (the recorder's rules). */
function lintCassettes(run: LintRun, recordingsDir: string): void {
  if (!existsSync(recordingsDir)) return;
  for (const p of lintRecordings(recordingsDir, 'recordings')) run.problems.push({ file: p.file, path: p.path, message: p.message });
  run.counts.cassettes = countCassettes(recordingsDir);
}

function countCassettes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countCassettes(join(dir, e.name)) : e.name.endsWith('.har') ? 1 : 0), 0);
}
