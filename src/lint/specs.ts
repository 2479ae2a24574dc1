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
import { SCHEMA_DIALECT, SCHEMA_NAMES, schemaId, schemaNameOfFile, SpecValidator, type ValidationProblem } from '../specs/validate.js';

export interface LintProblem {
  /** The file, as `<dir>/<relative path>` with the directory as the caller gave it. */
  file: string;
  /** JSON pointer inside the file; "" for the file as a whole. */
  path: string;
  message: string;
}

export interface LintCounts {
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

export function lintSpecsDetailed(dir: string, opts: LintOptions = {}): LintResult {
  const problems: LintProblem[] = [];
  const counts: LintCounts = { schemas: 0, checks: 0, errorCodes: 0, vectorFiles: 0, vectors: 0, mustFail: 0, scenarios: 0 };
  const shown = (rel: string) => join(dir, rel);
  const report = (rel: string, path: string, message: string) => problems.push({ file: shown(rel), path, message });
  const reportAll = (rel: string, list: ValidationProblem[]) => list.forEach((p) => report(rel, p.path, p.message));

  /** Parse a file; syntax and read errors become problems and give `undefined`. */
  const load = (rel: string): Json | undefined => {
    try {
      return readJsonFile(join(dir, rel));
    } catch (err) {
      if (err instanceof SpecSyntaxError) {
        const detail = err.message.replace(/^.*?: invalid JSON: /, '');
        report(rel, '', `invalid JSON at line ${err.line}, column ${err.column}: ${detail}`);
        return undefined;
      }
      if (err instanceof OacError) {
        report(rel, '', err.message);
        return undefined;
      }
      throw err;
    }
  };

  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    report('', '', 'not a directory');
    return { problems, counts };
  }

  // ---- schemas
  const schemas = new Map<string, object>();
  for (const file of listJsonFiles(join(dir, 'schemas'))) {
    const rel = `schemas/${basename(file)}`;
    if (!file.endsWith('.schema.json')) {
      report(rel, '', 'schema files are named <name>.schema.json');
      continue;
    }
    const doc = load(rel);
    if (doc === undefined) continue;
    if (!isRecord(doc)) {
      report(rel, '', 'a schema must be a JSON object');
      continue;
    }
    const name = schemaNameOfFile(file);
    const expectedId = schemaId(name);
    if (doc['$schema'] !== SCHEMA_DIALECT) report(rel, '/$schema', `must be ${JSON.stringify(SCHEMA_DIALECT)} (JSON Schema 2020-12)`);
    if (doc['$id'] === undefined) report(rel, '/$id', `missing: expected ${JSON.stringify(expectedId)}`);
    else if (doc['$id'] !== expectedId) report(rel, '/$id', `is ${JSON.stringify(doc['$id'])}, expected ${JSON.stringify(expectedId)}`);
    for (const key of ['title', 'description']) {
      if (typeof doc[key] !== 'string' || (doc[key] as string).trim() === '') report(rel, `/${key}`, 'missing: every schema needs a non-empty ' + key);
    }
    // Keep linting the rest even when $id is wrong: register the schema under the id others refer to.
    schemas.set(name, { ...doc, $id: expectedId });
  }
  for (const name of SCHEMA_NAMES) {
    if (!schemas.has(name) && !existsSync(join(dir, 'schemas', `${name}.schema.json`))) {
      report(`schemas/${name}.schema.json`, '', 'missing: the library validates with this schema');
    }
  }
  const validator = new SpecValidator(schemas, (name, message) => report(`schemas/${name}.schema.json`, '', `does not compile: ${message}`));
  const compiled = new Set(validator.names());
  counts.schemas = compiled.size;

  /** Validate `doc` against `schema`, or report why it cannot be validated. */
  const validateDoc = (rel: string, schema: string, doc: Json): boolean => {
    if (!compiled.has(schema)) {
      report(rel, '', `not validated: schemas/${schema}.schema.json is missing or does not compile`);
      return false;
    }
    const result = validator.validate(schema, doc);
    reportAll(rel, result.errors);
    return result.ok;
  };
  const checkSchemaPointer = (rel: string, doc: Json, schema: string) => {
    if (!isRecord(doc) || doc['$schema'] === undefined) return;
    const allowed = [`../schemas/${schema}.schema.json`, `./schemas/${schema}.schema.json`, schemaId(schema)];
    if (!allowed.includes(doc['$schema'] as string)) {
      report(rel, '/$schema', `is ${JSON.stringify(doc['$schema'])}, expected ${JSON.stringify(allowed[rel.includes('/') ? 0 : 1])}`);
    }
  };

  // ---- checks.json
  const checkIds = new Set<string>();
  const checksDoc = load('checks.json');
  if (checksDoc !== undefined) {
    checkSchemaPointer('checks.json', checksDoc, 'checks');
    validateDoc('checks.json', 'checks', checksDoc);
    asArray(isRecord(checksDoc) ? checksDoc['checks'] : undefined).forEach((entry, i) => {
      const id = isRecord(entry) ? entry['id'] : undefined;
      if (typeof id !== 'string') return;
      if (checkIds.has(id)) report('checks.json', `/checks/${i}/id`, `duplicate check id ${JSON.stringify(id)}`);
      checkIds.add(id);
    });
    counts.checks = checkIds.size;
  }
  const requireCheck = (rel: string, path: string, id: Json) => {
    if (typeof id === 'string' && checksDoc !== undefined && !checkIds.has(id)) {
      report(rel, path, `unknown check id ${JSON.stringify(id)}: not in checks.json`);
    }
  };

  // ---- error-codes.json
  const errorCodes = new Set<string>();
  const codesDoc = load('error-codes.json');
  if (codesDoc !== undefined) {
    checkSchemaPointer('error-codes.json', codesDoc, 'error-codes');
    validateDoc('error-codes.json', 'error-codes', codesDoc);
    asArray(isRecord(codesDoc) ? codesDoc['codes'] : undefined).forEach((entry, i) => {
      if (!isRecord(entry)) return;
      const code = entry['code'];
      if (typeof code === 'string') {
        if (errorCodes.has(code)) report('error-codes.json', `/codes/${i}/code`, `duplicate error code ${JSON.stringify(code)}`);
        errorCodes.add(code);
      }
      asArray(entry['checks']).forEach((id, j) => requireCheck('error-codes.json', `/codes/${i}/checks/${j}`, id));
    });
    counts.errorCodes = errorCodes.size;
  }

  // ---- routes.json (the route catalogue `oac probe` walks and the local Ollama stand-in serves)
  if (existsSync(join(dir, 'routes.json'))) {
    const routesDoc = load('routes.json');
    if (routesDoc !== undefined) {
      checkSchemaPointer('routes.json', routesDoc, 'routes');
      validateDoc('routes.json', 'routes', routesDoc);
      const routeIds = new Set<string>();
      asArray(isRecord(routesDoc) ? routesDoc['routes'] : undefined).forEach((entry, i) => {
        const id = isRecord(entry) ? entry['id'] : undefined;
        if (typeof id !== 'string') return;
        if (routeIds.has(id)) report('routes.json', `/routes/${i}/id`, `duplicate route id ${JSON.stringify(id)}`);
        routeIds.add(id);
      });
    }
  }

  // ---- vectors
  for (const file of listJsonFiles(join(dir, 'vectors'))) {
    const rel = `vectors/${basename(file)}`;
    const doc = load(rel);
    if (doc === undefined) continue;
    counts.vectorFiles++;
    checkSchemaPointer(rel, doc, 'vectors');
    validateDoc(rel, 'vectors', doc);
    if (!isRecord(doc)) continue;
    asArray(doc['checks']).forEach((id, j) => requireCheck(rel, `/checks/${j}`, id));
    const names = new Set<string>();
    asArray(doc['tests']).forEach((test, i) => {
      if (!isRecord(test)) return;
      counts.vectors++;
      if (test['must_fail'] === true) counts.mustFail++;
      const name = test['name'];
      if (typeof name === 'string') {
        if (names.has(name)) report(rel, `/tests/${i}/name`, `duplicate test name ${JSON.stringify(name)}`);
        names.add(name);
      }
      const code = test['error_code'];
      if (typeof code === 'string' && codesDoc !== undefined && !errorCodes.has(code)) {
        report(rel, `/tests/${i}/error_code`, `unknown error code ${JSON.stringify(code)}: not in error-codes.json`);
      }
      asArray(test['checks']).forEach((id, j) => requireCheck(rel, `/tests/${i}/checks/${j}`, id));
    });
  }

  // ---- scenarios
  const recordingsDir = opts.recordingsDir ?? resolve(dir, '..', 'recordings');
  const scenarioIds = new Map<string, string>();
  for (const file of listJsonFiles(join(dir, 'scenarios'))) {
    const rel = `scenarios/${basename(file)}`;
    const doc = load(rel);
    if (doc === undefined) continue;
    counts.scenarios++;
    checkSchemaPointer(rel, doc, 'scenario');
    const valid = validateDoc(rel, 'scenario', doc);
    if (!isRecord(doc)) continue;
    // Only a valid scenario has an action and operations to compare; an invalid one is reported above.
    if (valid) for (const p of mutationTargetProblems(doc as unknown as Scenario)) report(rel, `/mutation/${p.index}/target`, p.message);
    const id = doc['id'];
    if (typeof id === 'string') {
      const other = scenarioIds.get(id);
      if (other) report(rel, '/id', `duplicate scenario id ${JSON.stringify(id)} (also in ${other})`);
      scenarioIds.set(id, rel);
    }
    const expect = isRecord(doc['expect']) ? doc['expect'] : {};
    asArray(expect['checks']).forEach((cid, j) => requireCheck(rel, `/expect/checks/${j}`, cid));
    const cassette = doc['cassette'];
    if (typeof cassette === 'string') {
      const path = resolve(recordingsDir, cassette);
      const inside = relative(resolve(recordingsDir), path);
      if (inside.startsWith('..') || isAbsolute(inside)) report(rel, '/cassette', `must stay inside recordings/, got ${JSON.stringify(cassette)}`);
      else if (!existsSync(path)) report(rel, '/cassette', `no such cassette: ${path}`);
    }
  }

  // ---- cassettes: structure, provenance schema, redaction manifest and the strict secret scan
  if (existsSync(recordingsDir)) {
    for (const p of lintRecordings(recordingsDir, 'recordings')) problems.push({ file: p.file, path: p.path, message: p.message });
    counts.cassettes = countCassettes(recordingsDir);
  }

  return { problems, counts };
}

function countCassettes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countCassettes(join(dir, e.name)) : e.name.endsWith('.har') ? 1 : 0), 0);
}
