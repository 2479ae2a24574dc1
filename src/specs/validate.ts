/**
 * The one place documents are checked against specs/schemas/: the emulator, the judge, the recorder and
 * `oac specs lint` all validate through here, so a schema change reaches every user at once.
 *
 * Schemas are JSON Schema 2020-12, compiled once by Ajv. They reference each other by `$id`
 * (`common.schema.json#/$defs/checkId`), so every schema of a directory is added before any is compiled.
 */
import { basename, join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsImport from 'ajv-formats';
import { ProtocolError } from '../errors.js';
import { listJsonFiles, readJsonFile, specsDir } from './load.js';

export const SCHEMA_ID_BASE = 'https://ollama-auth-conformance.dev/schemas/';
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

const addFormats = interopDefault<FormatsPlugin>(formatsImport);

export function schemaId(name: string): string {
  return `${SCHEMA_ID_BASE}${name}.schema.json`;
}

/** `checks` for `schemas/checks.schema.json`. */
export function schemaNameOfFile(file: string): string {
  return basename(file).replace(/\.schema\.json$/, '');
}

export function newAjv(): Ajv2020 {
  // strictTypes/strictRequired off: the schemas use if/then branches that require properties declared
  // elsewhere and omit `type`, which is valid 2020-12; the other strict rules (unknown keywords, unknown
  // formats, ignored keywords) stay on, so a typo in a schema is an error, not a silently ignored keyword.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
  addFormats(ajv);
  return ajv;
}

/**
 * A set of compiled schemas. `schemas` maps a schema name (`scenario`) to its parsed JSON; every schema is
 * added under its canonical `$id` so cross-references resolve.
 */
export class SpecValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  /**
   * @param onProblem when given, a schema that Ajv refuses (invalid against the 2020-12 meta-schema, an
   *   unresolvable `$ref`, an unknown keyword) is reported here and left out; without it, the error is thrown.
   */
  constructor(schemas: ReadonlyMap<string, object>, onProblem?: (name: string, message: string) => void) {
    this.ajv = newAjv();
    const added: string[] = [];
    for (const [name, schema] of schemas) {
      try {
        this.ajv.addSchema(schema, schemaId(name));
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

  private compile(ref: string): ValidateFunction {
    const [name, fragment] = ref.split('#', 2) as [string, string | undefined];
    const fn = this.ajv.getSchema(schemaId(name) + (fragment === undefined ? '' : `#${fragment}`));
    if (!fn) throw new ProtocolError('spec/unknown-schema', `no schema ${JSON.stringify(ref)}: expected one of ${[...this.compiled.keys()].join(', ')}`);
    return fn;
  }

  names(): string[] {
    return [...this.compiled.keys()];
  }

  /**
   * Validate `data` against schema `name` (e.g. `scenario`), or a definition inside one
   * (`exec-contract#/$defs/result`).
   */
  validate(name: string, data: unknown): ValidationResult {
    let fn = this.compiled.get(name);
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

/** The validator over the installed specs/schemas/, compiled on first use. */
export function specValidator(): SpecValidator {
  defaultValidator ??= SpecValidator.fromDirectory();
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
