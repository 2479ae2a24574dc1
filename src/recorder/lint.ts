/**
 * Checks of cassettes at rest (recordings/**.har): HAR structure and entry roles, provenance against
 * specs/schemas/cassette-provenance.schema.json, a strict secret scan, and a redaction manifest that
 * lists exactly the placeholders the file holds. Problems are collected, one per line, never thrown.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validate } from '../specs/validate.js';
import { cassetteStructureProblem, readCassetteText, stableStringify, type Cassette } from './har.js';
import { redactionManifest } from './provenance.js';
import { scanJson } from './scan.js';

export interface CassetteProblem {
  file: string;
  /** JSON pointer; "" for the file as a whole. */
  path: string;
  message: string;
}

export function lintCassette(path: string, shown: string = path): CassetteProblem[] {
  const problems: CassetteProblem[] = [];
  const report = (pointer: string, message: string) => problems.push({ file: shown, path: pointer, message });
  const text = readCassetteText(path);
  if (text === undefined) {
    report('', 'no such file');
    return problems;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    report('', `not JSON: ${(err as Error).message}`);
    return problems;
  }
  const structure = cassetteStructureProblem(doc);
  if (structure !== undefined) {
    const colon = structure.indexOf(': ');
    report(structure.slice(0, colon), structure.slice(colon + 2));
    return problems;
  }
  const cassette = doc as Cassette;
  const provenance = validate('cassette-provenance', cassette.log._oac);
  for (const e of provenance.errors) report(`/log/_oac${e.path}`, e.message);
  for (const f of scanJson(doc, shown)) report(f.path, `holds ${/^[aeiou]/.test(f.kind) ? 'an' : 'a'} ${f.kind} (${f.shape}): redact it to a <kind:detail> placeholder`);
  if (provenance.ok) {
    const expected = stableStringify(redactionManifest({ log: { ...cassette.log, _oac: { ...cassette.log._oac, redactions: [] } } }));
    if (stableStringify(cassette.log._oac.redactions) !== expected) {
      report('/log/_oac/redactions', 'does not list exactly the placeholders the cassette holds (path, kind, placeholder, in document order)');
    }
  }
  return problems;
}

/** Every `.har` under `dir` (sorted), linted; file names are shown as `<label>/<relative path>`. */
export function lintRecordings(dir: string, label: string = dir): CassetteProblem[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.har')) files.push(join(d, e.name));
    }
  };
  walk(dir);
  return files.sort().flatMap((f) => lintCassette(f, join(label, relative(dir, f))));
}

export function formatCassetteProblem(p: CassetteProblem): string {
  return `${p.file}: ${p.path || '/'}: ${p.message}`;
}
