/**
 * The one place documents are checked against specs/schemas/: the emulator, the judge, the recorder and
 * `oac specs lint` all validate through here, so a schema change reaches every user at once.
 *
 * Schemas are JSON Schema 2020-12, compiled by Ajv. They reference each other by `$id`
 * (`common.schema.json#/$defs/checkId`), so every schema of a directory is added before any is compiled.
 *
 * Compiling all of them took ~0.2 s at every start, so `npm run build` compiles the installed schemas
 * ahead of time (scripts/build-schemas.mjs: Ajv's standalone code, dist/specs/schemas.generated.cjs).
 * specValidator() uses that code when it was generated from exactly the schema files installed now (a
 * digest of them is compared), and compiles at run time otherwise: from source (ts-jest), after a schema
 * was edited without a rebuild, for a `#/$defs/…` fragment, and for schemas given at run time (`oac
 * specs lint --dir`, which compiles for real so that it checks them). Ajv itself is loaded only then.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { ProtocolError } from '../errors.js';
import { listJsonFiles, readJsonFile, specsDir } from './load.js';

// Ajv and ajv-formats are CommonJS: required synchronously on first use (validation is synchronous),
// so a process that validates only with the precompiled code never loads Ajv's compiler.
const requireCjs = createRequire(import.meta.url);

const SCHEMA_ID_BASE = 'https://ollama-auth-conformance.dev/schemas/';
export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** The schemas the project relies on; `oac specs lint` reports any that is missing. */
export const SCHEMA_NAMES = [
  'common',
  'challenge',
  'token-request',
  'token-response',
  'direct-request',
  'apikey-request',
  'basic-request',
  'ollama-error',
  'oci-errors',
  'cassette-provenance',
  'scenario',
  'checks',
  'error-codes',
  'vectors',
  'results',
  'exec-contract',
  'baseline',
  'routes',
  'golden-provenance',
] as const;

export type SchemaName = (typeof SCHEMA_NAMES)[number];

export interface ValidationProblem {
  /** JSON pointer into the validated document; "" is the document itself. */
  path: string;
  message: string;
}

export interface ValidationResult {
  ok: boolean;
  errors: ValidationProblem[];
}

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;

/**
 * ajv-formats is CommonJS: under Node's ESM loader its default import is `module.exports` (the plugin
 * function itself), while its typings describe a namespace whose `default` is the plugin. Accept both.
 */
function interopDefault<T>(mod: unknown): T {
  if (typeof mod === 'function') return mod as T;
  const inner = (mod as { default?: unknown } | null)?.default;
  if (typeof inner === 'function') return inner as T;
  throw new TypeError('ajv-formats: no plugin function in the module (neither the module nor its default export)');
}

export function schemaId(name: string): string {
  return `${SCHEMA_ID_BASE}${name}.schema.json`;
}

/** `checks` for `schemas/checks.schema.json`. */
export function schemaNameOfFile(file: string): string {
  return basename(file).replace(/\.schema\.json$/, '');
}

/**
 * An Ajv with the project's options. `standalone` keeps each validator's source, for
 * scripts/build-schemas.mjs to write out (the same options, so the same code as a run-time compile).
 */
export function newAjv(opts: { standalone?: boolean } = {}): Ajv2020 {
  const { Ajv2020: Ajv } = requireCjs('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = interopDefault<FormatsPlugin>(requireCjs('ajv-formats'));
  // strictTypes/strictRequired off: the schemas use if/then branches that require properties declared
  // elsewhere and omit `type`, which is valid 2020-12; the other strict rules (unknown keywords, unknown
  // formats, ignored keywords) stay on, so a typo in a schema is an error, not a silently ignored keyword.
  const ajv = new Ajv({
    allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false,
    ...(opts.standalone ? { code: { source: true } } : {}),
  });
  addFormats(ajv);
  return ajv;
}

/**
 * What scripts/build-schemas.mjs writes: an index (the schema names and the digest of the files they
 * were made from) and one module per schema, loaded when that schema is first used: `oac check` needs
 * four of the nineteen, and the largest are 100 KiB of code each.
 */
export interface PrecompiledSchemas {
  schemaDigest: string;
  names: readonly string[];
  load(name: string): ValidateFunction;
}

/**
 * The precompiled index's file name, beside this module in dist/specs/.
 * @public scripts/build-schemas.mjs imports dist/specs/validate.js at run time (knip cannot follow that).
 */
export const PRECOMPILED_FILE = 'schemas.generated.cjs';
/** The folder of the per-schema modules (`<name>.cjs`), beside the index. */
export const PRECOMPILED_DIR = 'schemas.generated';

/**
 * A digest of every `*.schema.json` of `schemasDir` (names and bytes): precompiled validators are used
 * only for the very files they were made from.
 * @public scripts/build-schemas.mjs imports dist/specs/validate.js at run time (knip cannot follow that).
 */
export function schemaDirectoryDigest(schemasDir: string): string {
  const hash = createHash('sha256');
  for (const file of listJsonFiles(schemasDir).filter((f) => f.endsWith('.schema.json')).sort()) {
    hash.update(`${basename(file)}\0`).update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** The precompiled validators for `schemasDir`, if they were built and match its files; else undefined. */
export function loadPrecompiledSchemas(schemasDir: string, moduleFile: string = fileURLToPath(new URL(PRECOMPILED_FILE, import.meta.url))): PrecompiledSchemas | undefined {
  if (!existsSync(moduleFile)) return undefined;
  const index = requireCjs(moduleFile) as Omit<PrecompiledSchemas, 'load'>;
  if (index.schemaDigest !== schemaDirectoryDigest(schemasDir)) {
    // specs/schemas/ changed since `npm run build`: compile what is there now rather than check against an old schema.
    if (process.env['OAC_DEBUG']) process.stderr.write(`oac: ${moduleFile} is older than ${schemasDir}; compiling the schemas (run npm run build)\n`);
    return undefined;
  }
  const modules = join(dirname(moduleFile), PRECOMPILED_DIR);
  return { ...index, load: (name) => requireCjs(join(modules, `${name}.cjs`)) as ValidateFunction };
}

/**
 * A set of compiled schemas. `schemas` maps a schema name (`scenario`) to its parsed JSON; every schema is
 * added under its canonical `$id` so cross-references resolve.
 */
export class SpecValidator {
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Precompiled: the schemas there are, each loaded on its first use. */
  private readonly precompiled: PrecompiledSchemas | undefined;
  /** Compiles a schema or fragment by reference (`exec-contract#/$defs/result`); made on first need. */
  private readonly compileRef: (ref: string) => ValidateFunction | undefined;

  /**
   * @param schemas the parsed schemas by name, compiled now; or validators compiled ahead of time, with
   *   the directory they were made from (compiled only if a fragment of one is asked for).
   * @param onProblem when given, a schema that Ajv refuses (invalid against the 2020-12 meta-schema, an
   *   unresolvable `$ref`, an unknown keyword) is reported here and left out; without it, the error is thrown.
   */
  constructor(schemas: ReadonlyMap<string, object> | { precompiled: PrecompiledSchemas; schemasDir: string }, onProblem?: (name: string, message: string) => void) {
    if (!(schemas instanceof Map)) {
      const { precompiled, schemasDir } = schemas as { precompiled: PrecompiledSchemas; schemasDir: string };
      this.precompiled = precompiled;
      let atRunTime: Ajv2020 | undefined;
      this.compileRef = (ref) => (atRunTime ??= addAll(newAjv(), readSchemaDirectory(schemasDir))).getSchema(refId(ref));
      return;
    }
    this.precompiled = undefined;
    const ajv = newAjv();
    this.compileRef = (ref) => ajv.getSchema(refId(ref));
    const added: string[] = [];
    for (const [name, schema] of schemas) {
      try {
        ajv.addSchema(schema, schemaId(name));
        added.push(name);
      } catch (err) {
        if (!onProblem || !(err instanceof Error)) throw err;
        onProblem(name, err.message);
      }
    }
    for (const name of added) {
      try {
        this.compiled.set(name, this.compile(name));
      } catch (err) {
        if (!onProblem || !(err instanceof Error)) throw err;
        onProblem(name, err.message);
      }
    }
  }

  /** Read every `*.schema.json` of `dir` (default: the installed specs/schemas/) and compile them. */
  static fromDirectory(schemasDir: string = join(specsDir(), 'schemas')): SpecValidator {
    return new SpecValidator(readSchemaDirectory(schemasDir));
  }

  /** The installed schemas: their precompiled validators when `npm run build` made them, else compiled now. */
  static installed(schemasDir: string = join(specsDir(), 'schemas')): SpecValidator {
    const precompiled = loadPrecompiledSchemas(schemasDir);
    return precompiled ? new SpecValidator({ precompiled, schemasDir }) : SpecValidator.fromDirectory(schemasDir);
  }

  private compile(ref: string): ValidateFunction {
    const fn = this.compileRef(ref);
    if (!fn) throw new ProtocolError('spec/unknown-schema', `no schema ${JSON.stringify(ref)}: expected one of ${this.names().join(', ')}`);
    return fn;
  }

  names(): string[] {
    return [...new Set([...(this.precompiled?.names ?? []), ...this.compiled.keys()])];
  }

  /**
   * Validate `data` against schema `name` (e.g. `scenario`), or a definition inside one
   * (`exec-contract#/$defs/result`).
   */
  validate(name: string, data: unknown): ValidationResult {
    let fn = this.compiled.get(name);
    if (!fn && this.precompiled?.names.includes(name)) {
      fn = this.precompiled.load(name);
      this.compiled.set(name, fn);
    }
    if (!fn) {
      if (!name.includes('#')) {
        throw new ProtocolError('spec/unknown-schema', `no schema ${JSON.stringify(name)}: expected one of ${this.names().join(', ')}`);
      }
      fn = this.compile(name);
      this.compiled.set(name, fn);
    }
    if (fn(data)) return { ok: true, errors: [] };
    return { ok: false, errors: describeErrors(fn.errors ?? []) };
  }

  /** Throw `ProtocolError('spec/invalid', '<label>: <path>: <message>')` (first problem; all in `problems`). */
  assertValid(name: string, data: unknown, label: string): void {
    const result = this.validate(name, data);
    if (!result.ok) throw new SpecInvalidError(label, result.errors);
  }
}

export class SpecInvalidError extends ProtocolError {
  readonly problems: ValidationProblem[];
  constructor(label: string, problems: ValidationProblem[]) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('spec/invalid', `${label}: ${first.path || '/'}: ${first.message}${more}`);
    this.problems = problems;
  }
}

/** `scenario` → its `$id`; `exec-contract#/$defs/result` → the `$id` with that fragment. */
function refId(ref: string): string {
  const [name, fragment] = ref.split('#', 2) as [string, string | undefined];
  return schemaId(name) + (fragment === undefined ? '' : `#${fragment}`);
}

/** Adds every schema under its `$id` (so cross-references resolve); returns `ajv`. */
function addAll(ajv: Ajv2020, schemas: ReadonlyMap<string, object>): Ajv2020 {
  for (const [name, schema] of schemas) ajv.addSchema(schema, schemaId(name));
  return ajv;
}

/** Every `*.schema.json` of a directory by name; throws on a missing required schema or bad JSON. */
export function readSchemaDirectory(schemasDir: string): Map<string, object> {
  const schemas = new Map<string, object>();
  for (const file of listJsonFiles(schemasDir)) {
    if (file.endsWith('.schema.json')) schemas.set(schemaNameOfFile(file), readJsonFile(file) as object);
  }
  const missing = SCHEMA_NAMES.filter((n) => !schemas.has(n));
  if (missing.length > 0) {
    throw new ProtocolError('spec/unknown-schema', `${schemasDir}: missing ${missing.map((n) => `${n}.schema.json`).join(', ')}`);
  }
  return schemas;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Ajv errors → {path, message}: messages that name the offending value, paths that point at it. */
export function describeErrors(errors: readonly ErrorObject[]): ValidationProblem[] {
  // An if/then failure always comes with the errors of the `then` branch: the wrapper adds nothing.
  const useful = errors.filter((e) => e.keyword !== 'if');
  const list = useful.length > 0 ? useful : errors;
  const out: ValidationProblem[] = [];
  const seen = new Set<string>();
  for (const e of list) {
    let path = e.instancePath;
    let message = e.message ?? `fails ${e.keyword}`;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties':
        path = `${path}/${escapePointer(String(p['additionalProperty']))}`;
        message = 'is not allowed here (no such property in the schema)';
        break;
      case 'enum':
        message = `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        message = `must be ${JSON.stringify(p['allowedValue'])}`;
        break;
      case 'false schema':
        message = 'is not allowed here';
        break;
      case 'required':
        message = `must have property ${JSON.stringify(p['missingProperty'])}`;
        break;
      default:
        break;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

let defaultValidator: SpecValidator | undefined;

/** The validator over the installed specs/schemas/: precompiled by the build, or compiled on first use. */
export function specValidator(): SpecValidator {
  defaultValidator ??= SpecValidator.installed();
  return defaultValidator;
}

/** Validate against an installed schema by name (`scenario`, `results`, `exec-contract#/$defs/result`). */
export function validate(schemaName: SchemaName | string, data: unknown): ValidationResult {
  return specValidator().validate(schemaName, data);
}

/** Like `validate`, but throws `ProtocolError('spec/invalid', '<label>: <path>: <message>')`. */
export function assertValid(schemaName: SchemaName | string, data: unknown, label: string): void {
  specValidator().assertValid(schemaName, data, label);
}
