/**
 * `oac evidence verify DIR`: is this the bundle `oac check --evidence` wrote, unchanged? Every file
 * SHA256SUMS lists must exist and hash to its line; every file of the bundle must be listed (a bundle
 * with a file quietly dropped from the sums is not verified); results.json must still match
 * specs/schemas/results.schema.json. Problems are collected, so one run names all of them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseJsonText } from '../specs/load.js';
import { validate } from '../specs/validate.js';
import { EVIDENCE_FILES } from './write.js';
import { parseSums, sha256Hex, SUMS_FILE } from './sums.js';

export interface EvidenceVerification {
  dir: string;
  ok: boolean;
  /** Files whose sum matched. */
  verified: string[];
  /** One sentence each: the file, what was expected, what was found. */
  problems: string[];
}

function readBytes(path: string): { bytes: Buffer } | { error: string } {
  try {
    return { bytes: readFileSync(path) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})` };
  }
}

export function verifyEvidence(dir: string): EvidenceVerification {
  const abs = resolve(dir);
  const problems: string[] = [];
  const verified: string[] = [];
  const sumsFile = readBytes(join(abs, SUMS_FILE));
  if ('error' in sumsFile) {
    return { dir: abs, ok: false, verified, problems: [`${SUMS_FILE} ${sumsFile.error} in ${abs}: is this a folder written by oac check --evidence?`] };
  }
  const { entries, problems: lineProblems } = parseSums(sumsFile.bytes.toString('utf8'));
  problems.push(...lineProblems);
  const listed = new Set<string>();
  for (const entry of entries) {
    if (listed.has(entry.name)) {
      problems.push(`${entry.name}: listed twice in ${SUMS_FILE}`);
      continue;
    }
    listed.add(entry.name);
    if (entry.name.includes('/') || entry.name === SUMS_FILE) {
      problems.push(`${entry.name}: ${SUMS_FILE} may list only the bundle's own files`);
      continue;
    }
    const file = readBytes(join(abs, entry.name));
    if ('error' in file) {
      problems.push(`${entry.name}: listed in ${SUMS_FILE} but ${file.error}`);
      continue;
    }
    const actual = sha256Hex(file.bytes);
    if (actual !== entry.sha256) {
      problems.push(`${entry.name}: changed since it was written (SHA-256 ${actual}, ${SUMS_FILE} says ${entry.sha256})`);
      continue;
    }
    verified.push(entry.name);
  }
  for (const name of EVIDENCE_FILES) {
    if (!listed.has(name)) problems.push(`${name}: part of every evidence bundle but not listed in ${SUMS_FILE}`);
  }
  if (verified.includes('results.json')) problems.push(...resultsProblems(join(abs, 'results.json')));
  return { dir: abs, ok: problems.length === 0, verified, problems };
}

/** results.json against its published schema (its sum may match a file that was invalid from the start). */
function resultsProblems(path: string): string[] {
  let doc: unknown;
  try {
    doc = parseJsonText(readFileSync(path, 'utf8'), 'results.json');
  } catch (err) {
    return [(err as Error).message];
  }
  const result = validate('results', doc);
  return result.errors.map((e) => `results.json: ${e.path || '/'}: ${e.message} (specs/schemas/results.schema.json)`);
}
