/**
 * The check catalog (specs/checks.json) and the error-code catalog (specs/error-codes.json), loaded and
 * validated once. Code that decides a rule names it by id; `getCheck` refuses an id the catalog does not
 * know, so a typo fails the first test that reaches it instead of producing a verdict for a rule nobody
 * documented.
 */
import { join } from 'node:path';
import { ProtocolError } from '../errors.js';
import { readJsonFile, specsDir } from './load.js';
import { specValidator, type SpecValidator } from './validate.js';

type CheckLevel = 'MUST' | 'SHOULD';
type CheckReference = 'REF' | 'HARDEN' | 'REF-GAP';
/** `probe`: a check of a deployment made by `oac probe` (checks only; no scenario has this flow). */
type Flow = 'registry' | 'direct' | 'apikey' | 'basic' | 'tls' | 'keys' | 'any' | 'probe';

export interface CheckEntry {
  id: string;
  level: CheckLevel;
  title?: string;
  requirement: string;
  source: string[];
  reference: CheckReference;
  note?: string;
  protocolRef: string[];
  flows: Flow[];
}

export interface CheckCatalogFile {
  description: string;
  version: string;
  protocolCommit?: string;
  checks: CheckEntry[];
}

export interface ErrorCodeEntry {
  code: string;
  module: string;
  meaning: string;
  checks?: string[];
}

interface ErrorCodeFile {
  description: string;
  codes: ErrorCodeEntry[];
}

/** Read and validate a checks.json; duplicate ids are an error. */
export function loadCatalog(file: string = join(specsDir(), 'checks.json'), validator: SpecValidator = specValidator()): Map<string, CheckEntry> {
  const doc = readJsonFile(file);
  validator.assertValid('checks', doc, file);
  const map = new Map<string, CheckEntry>();
  (doc as CheckCatalogFile).checks.forEach((entry, i) => {
    if (map.has(entry.id)) throw new ProtocolError('spec/invalid', `${file}: /checks/${i}/id: duplicate check id ${JSON.stringify(entry.id)}`);
    map.set(entry.id, entry);
  });
  return map;
}

/** Read and validate an error-codes.json; duplicate codes are an error. */
function loadErrorCodes(file: string = join(specsDir(), 'error-codes.json'), validator: SpecValidator = specValidator()): Map<string, ErrorCodeEntry> {
  const doc = readJsonFile(file);
  validator.assertValid('error-codes', doc, file);
  const map = new Map<string, ErrorCodeEntry>();
  (doc as ErrorCodeFile).codes.forEach((entry, i) => {
    if (map.has(entry.code)) throw new ProtocolError('spec/invalid', `${file}: /codes/${i}/code: duplicate error code ${JSON.stringify(entry.code)}`);
    map.set(entry.code, entry);
  });
  return map;
}

let installedCatalog: Map<string, CheckEntry> | undefined;
let installedErrorCodes: Map<string, ErrorCodeEntry> | undefined;

/** The installed catalog, loaded on first use. */
export function checkCatalog(): ReadonlyMap<string, CheckEntry> {
  installedCatalog ??= loadCatalog();
  return installedCatalog;
}

export function errorCodeCatalog(): ReadonlyMap<string, ErrorCodeEntry> {
  installedErrorCodes ??= loadErrorCodes();
  return installedErrorCodes;
}

export function hasCheck(id: string): boolean {
  return checkCatalog().has(id);
}

/** The catalog entry for `id`; throws `spec/unknown-check` for an id specs/checks.json does not define. */
export function getCheck(id: string): CheckEntry {
  const entry = checkCatalog().get(id);
  if (!entry) {
    const nearest = [...checkCatalog().keys()].map((k) => ({ k, d: editDistance(k, id) })).sort((a, b) => a.d - b.d)[0];
    const hint = nearest && nearest.d <= Math.max(3, id.length / 4) ? `; did you mean ${JSON.stringify(nearest.k)}?` : '';
    throw new ProtocolError('spec/unknown-check', `unknown check id ${JSON.stringify(id)}: not in specs/checks.json${hint}`);
  }
  return entry;
}

export function allChecks(): CheckEntry[] {
  return [...checkCatalog().values()];
}

/** Levenshtein distance, for "did you mean" hints on mistyped ids. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** `version` of the installed specs/checks.json (stamped into every results.json). */
export function checkCatalogVersion(file: string = join(specsDir(), 'checks.json')): string {
  return (readJsonFile(file) as CheckCatalogFile).version;
}
