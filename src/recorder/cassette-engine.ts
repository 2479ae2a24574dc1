/**
 * The one cassette replay engine: find and load a cassette (structure, provenance schema; optionally the
 * strict lint), index its entries, and answer from them. Two thin front-ends use it:
 *
 * - `withCassette` (replay.ts): in-process replay under Polly.js for TypeScript users, answering each
 *   request with the entry matched by request (cassette-match.ts).
 * - the conformance server's overlay (src/conformance/cassette.ts): answering by role, with the recorded
 *   hosts rewritten to the server and every placeholder filled with the emulator's fresh value.
 *
 * This module and cassette-match.ts never import Polly: `oac check` loads them, and Polly costs start-up
 * time a command that never records should not pay.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { HarnessError } from '../errors.js';
import { validate } from '../specs/validate.js';
import { CassetteError, displayPath, parseCassette, readCassetteText, type Cassette, type CassetteEntry } from './har.js';
import { formatCassetteProblem, lintCassette } from './lint.js';
import { parsePlaceholder } from './placeholders.js';
import { packageRoot } from './provenance.js';

/** A cassette read for replay, with the names messages use. */
export interface LoadedCassette {
  cassette: Cassette;
  /** Absolute (or as given) path of the file. */
  path: string;
  /** The path as messages show it (relative to the working directory when below it). */
  file: string;
  /** The name without `.har` (`registry/pull-manifest`). */
  label: string;
}

/** The cassette file a name refers to: `registry/pull-manifest`, `registry/pull-manifest.har`, or a path. */
export function resolveCassettePath(name: string, recordingsDir?: string): string {
  const dir = recordingsDir ?? join(packageRoot(), 'recordings');
  const file = name.endsWith('.har') ? name : `${name}.har`;
  if (isAbsolute(file)) return file;
  if ((file.startsWith('./') || file.startsWith('../')) && existsSync(resolve(file))) return resolve(file);
  return join(dir, file);
}

function listCassettes(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names;
    try {
      names = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      // No recordings directory: the error message then lists none.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of names) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.har')) out.push(relative(dir, join(d, e.name)).replace(/\.har$/, ''));
    }
  };
  walk(dir);
  return out.sort();
}

/** Reads and checks a cassette for replay (structure and provenance schema). */
export function loadCassette(name: string, recordingsDir?: string): { cassette: Cassette; path: string } {
  const path = resolveCassettePath(name, recordingsDir);
  const text = readCassetteText(path);
  if (text === undefined) {
    const dir = recordingsDir ?? join(packageRoot(), 'recordings');
    const available = listCassettes(dir);
    throw new CassetteError('cassette/not-found',
      `no cassette ${JSON.stringify(name)}: ${displayPath(path)} does not exist (available: ${available.length ? available.join(', ') : 'none'})`);
  }
  const cassette = parseCassette(text, displayPath(path));
  const result = validate('cassette-provenance', cassette.log._oac);
  if (!result.ok) {
    const first = result.errors[0]!;
    throw new CassetteError('cassette/invalid-provenance', `cassette ${displayPath(path)}: /log/_oac${first.path}: ${first.message}`);
  }
  return { cassette, path };
}

/** loadCassette plus the names messages use. */
export function loadForReplay(name: string, recordingsDir?: string): LoadedCassette {
  const { cassette, path } = loadCassette(name, recordingsDir);
  return { cassette, path, file: displayPath(path), label: name.replace(/\.har$/, '') };
}

/**
 * A cassette that a server may serve to a client: the strict lint first (structure, provenance, secret
 * scan, manifest), so a broken or leaking file is refused with every problem named: a harness error, since
 * the harness, not the client under test, is what broke.
 */
export function loadServableCassette(name: string, recordingsDir?: string): LoadedCassette {
  const problems = lintCassette(resolveCassettePath(name, recordingsDir), name);
  if (problems.length > 0) {
    throw new HarnessError('cassette/invalid', `cassette ${name} cannot be served: ${problems.map(formatCassetteProblem).join('; ')}`);
  }
  return loadForReplay(name, recordingsDir);
}

export interface ExpiryOptions {
  /** After provenance `expiresAt`: `warn` (default), `error`, or `ignore`. */
  expiry?: 'warn' | 'error' | 'ignore';
  /** Receives warnings (default: process.emitWarning). */
  onWarning?: (message: string) => void;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

/** Warns about (or refuses) a cassette past its provenance `expiresAt`. */
export function checkExpiry(loaded: LoadedCassette, options: ExpiryOptions): void {
  const provenance = loaded.cassette.log._oac;
  const now = (options.now ?? Date.now)();
  if (options.expiry === 'ignore' || now <= Date.parse(provenance.expiresAt)) return;
  const message = `cassette ${loaded.label} (${loaded.file}) expired on ${provenance.expiresAt} (recorded ${provenance.recordedAt}, origin ${provenance.origin}): the service may have changed since; re-record it with oac record`;
  if (options.expiry === 'error') throw new CassetteError('cassette/expired', message);
  (options.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'OAC_CASSETTE_EXPIRED' })))(message);
}

/** A recorded response, as the engine answers with it. */
export interface RecordedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string | undefined;
}

function recordedResponse(entry: CassetteEntry): RecordedResponse {
  return { status: entry.response.status, headers: entry.response.headers.map((h) => [h.name, h.value]), body: entry.response.content.text };
}

/**
 * The recorded responses grouped by a role the caller derives from each entry's recorded role (entries
 * with no role are left out), served in recorded order; once a role's responses run out, its last one
 * answers every further request of that role (a client that retries more than the recording did still
 * gets the recorded answer, and the emulator's verdict decides).
 */
export class RoleIndex<Role> {
  private readonly byRole = new Map<Role, RecordedResponse[]>();
  private readonly served = new Map<Role, number>();

  constructor(cassette: Cassette, roleOf: (recordedRole: string) => Role | undefined) {
    for (const entry of cassette.log.entries) {
      const role = roleOf((entry as { _oac?: { role?: string } })._oac?.role ?? '');
      if (role === undefined) continue;
      const list = this.byRole.get(role) ?? [];
      list.push(recordedResponse(entry));
      this.byRole.set(role, list);
    }
  }

  /** The next recorded response for `role`, or undefined when the cassette has none for it. */
  next(role: Role): RecordedResponse | undefined {
    const list = this.byRole.get(role);
    if (!list) return undefined;
    const index = this.served.get(role) ?? 0;
    this.served.set(role, index + 1);
    return list[Math.min(index, list.length - 1)]!;
  }
}

/** Recorded placeholders in a JSON value take the fresh value at the same JSON path. */
export function fillPlaceholders(recorded: unknown, fresh: unknown): unknown {
  if (typeof recorded === 'string' && parsePlaceholder(recorded)) return fresh;
  if (Array.isArray(recorded)) return recorded.map((v, i) => fillPlaceholders(v, Array.isArray(fresh) ? fresh[i] : undefined));
  if (recorded !== null && typeof recorded === 'object') {
    const freshObject = fresh !== null && typeof fresh === 'object' ? (fresh as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, fillPlaceholders(v, freshObject[k])]));
  }
  return recorded;
}

/** JSON text parsed, or undefined for no text or text that is not JSON (then served as it was recorded). */
function parseJsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Every recorded origin (and its `"host"` in quotes, as a challenge's service names it) → `ownOrigin`. */
export function rewriteOrigins(text: string, recordedOrigins: ReadonlySet<string>, ownOrigin: string): string {
  const own = new URL(ownOrigin);
  let out = text;
  for (const recorded of recordedOrigins) {
    const r = new URL(recorded);
    out = out.split(recorded).join(own.origin).split(`"${r.host}"`).join(`"${own.host}"`);
  }
  return out;
}

/** The origins a cassette's requests went to. */
export function recordedOrigins(cassette: Cassette): Set<string> {
  return new Set(cassette.log.entries.map((e) => new URL(e.request.url).origin));
}

/**
 * A recorded response as served from `ownOrigin`: headers and body with the recorded origins rewritten,
 * and, in a JSON body, each placeholder filled from `freshBody` (the emulator's answer to the same request).
 */
export function answerFromRecording(
  recorded: RecordedResponse, freshBody: string | undefined, origins: ReadonlySet<string>, ownOrigin: string,
): { status: number; headers: Record<string, string>; body: string | undefined } {
  const recordedJson = parseJsonOrUndefined(recorded.body);
  const body = recordedJson === undefined ? recorded.body : JSON.stringify(fillPlaceholders(recordedJson, parseJsonOrUndefined(freshBody)));
  const headers = Object.fromEntries(recorded.headers.map(([n, v]) => [n, rewriteOrigins(v, origins, ownOrigin)]));
  return { status: recorded.status, headers, body: body === undefined ? undefined : rewriteOrigins(body, origins, ownOrigin) };
}
