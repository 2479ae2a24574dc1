/**
 * The cassette file: a HAR 1.2 log as Polly.js writes it, plus two extensions (recordings/README.md):
 * `log._oac` (provenance, specs/schemas/cassette-provenance.schema.json) and `entries[]._oac`
 * (the entry's role in the flow). Written as sorted-key, two-space JSON so a re-recording diffs cleanly,
 * and atomically (temp file + rename) so a crash never leaves half a cassette.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { OacError } from '../errors.js';

export interface NameValue {
  name: string;
  value: string;
  /** Polly marks headers that were arrays on the wire. */
  _fromType?: string;
}

/** What an entry is in the flow: the conformance server replays each role with fresh values. */
export const ENTRY_ROLES = ['challenge', 'token', 'retry', 'resource', 'redirect'] as const;
export type EntryRole = (typeof ENTRY_ROLES)[number];

interface EntryAnnotation {
  role: EntryRole;
  /** 1-based position in the flow. */
  step: number;
}

interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: NameValue[];
  queryString: NameValue[];
  cookies: unknown[];
  headersSize: number;
  bodySize: number;
  postData?: { mimeType: string; params: unknown[]; text?: string };
}

interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: NameValue[];
  cookies: unknown[];
  content: { mimeType: string; size: number; text?: string; encoding?: string };
  redirectURL: string;
  headersSize: number;
  bodySize: number;
}

export interface CassetteEntry {
  _id: string;
  _order: number;
  _oac: EntryAnnotation;
  startedDateTime: string;
  time: number;
  timings: Record<string, number>;
  cache: Record<string, never>;
  request: HarRequest;
  response: HarResponse;
}

export type Origin = 'live' | 'emulator' | 'local-stand-in';
export type ProvenanceFlow = 'registry' | 'direct' | 'apikey' | 'basic' | 'tls' | 'keys';

export interface Redaction {
  path: string;
  kind: string;
  placeholder: string;
}

/** `log._oac`: see specs/schemas/cassette-provenance.schema.json. */
export interface Provenance {
  origin: Origin;
  targetHosts: string[];
  recordedAt: string;
  harnessVersion: string;
  protocolCommit?: string;
  referenceClient?: { name: string; version: string };
  flow: ProvenanceFlow;
  action?: 'registry-manifest' | 'cloud-tags' | 'cloud-whoami' | 'apikey-tags' | 'basic-tags';
  facts: string[];
  redactions: Redaction[];
  expiresAt: string;
  notes?: string;
}

export interface Cassette {
  log: {
    version: string;
    creator: { name: string; version: string; comment?: string };
    pages: unknown[];
    entries: CassetteEntry[];
    _recordingName: string;
    _oac: Provenance;
  };
}

export class CassetteError extends OacError {}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** JSON with object keys sorted at every level (arrays keep their order), two-space indent, final newline. */
export function stableStringify(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        if (v[key] !== undefined) out[key] = sort(v[key]);
      }
      return out;
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** Write `text` to `path` all at once: a temp file in the same directory, fsync, rename over the target. */
export function writeFileAtomic(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CassetteError('cassette/write-failed', `could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The cassette's text, or undefined when there is no such file. */
export function readCassetteText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CassetteError('cassette/unreadable', `cannot read cassette ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Parse a cassette and check the structure this project relies on (entries with request, response and an
 * `_oac` role; `log._oac` present). Provenance is validated against its schema by `lintCassette`.
 */
export function parseCassette(text: string, path: string): Cassette {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CassetteError('cassette/not-json', `cassette ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const problem = cassetteStructureProblem(doc);
  if (problem !== undefined) throw new CassetteError('cassette/invalid', `cassette ${path}: ${problem}`);
  return doc as Cassette;
}

/** The first structural problem of a would-be cassette, as `<JSON pointer>: <what is wrong>`. */
export function cassetteStructureProblem(doc: unknown): string | undefined {
  if (!isRecord(doc) || !isRecord(doc['log'])) return '/log: missing (not a HAR file)';
  const log = doc['log'];
  if (!Array.isArray(log['entries']) || log['entries'].length === 0) return '/log/entries: expected a non-empty array';
  if (!isRecord(log['_oac'])) return '/log/_oac: missing provenance (was this cassette made by oac record?)';
  for (const [i, entry] of (log['entries'] as unknown[]).entries()) {
    const at = `/log/entries/${i}`;
    if (!isRecord(entry)) return `${at}: expected an object`;
    const request = entry['request'];
    const response = entry['response'];
    if (!isRecord(request) || typeof request['method'] !== 'string' || typeof request['url'] !== 'string' || !Array.isArray(request['headers'])) {
      return `${at}/request: expected method, url and headers`;
    }
    if (!isRecord(response) || typeof response['status'] !== 'number' || !Array.isArray(response['headers']) || !isRecord(response['content'])) {
      return `${at}/response: expected status, headers and content`;
    }
    const oac = entry['_oac'];
    if (!isRecord(oac) || !(ENTRY_ROLES as readonly unknown[]).includes(oac['role'])) {
      return `${at}/_oac/role: expected one of ${ENTRY_ROLES.join(', ')}`;
    }
    if (oac['step'] !== i + 1) return `${at}/_oac/step: expected ${i + 1} (steps count entries from 1), got ${JSON.stringify(oac['step'])}`;
  }
  return undefined;
}

export function headerValues(headers: readonly NameValue[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A path for messages: relative to the working directory when below it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
