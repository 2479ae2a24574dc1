/**
 * What every recording goes through once its HAR entries exist, whoever made the requests: the reference
 * client under Polly.js (record.ts) or the user's own command through the intercept proxy
 * (intercept-record.ts). Redaction of each entry (allow-listed headers, learned and shaped secrets →
 * placeholders), role annotation, provenance, the strict secret scan, structure and schema validation,
 * the diff against the previous cassette, and the atomic write. One copy, so the two paths cannot drift.
 */
import { HarnessError, OacError } from '../errors.js';
import { assertValid } from '../specs/validate.js';
import { classifyEntries } from './annotate.js';
import { diffCassettes, type CassetteDiff } from './diff.js';
import type { VariantSpec } from './flows.js';
import {
  cassetteStructureProblem, parseCassette, readCassetteText, stableStringify, writeFileAtomic,
  type Cassette, type CassetteEntry, type NameValue, type Origin, type Provenance,
} from './har.js';
import { harnessVersion, hostOf, PROTOCOL_COMMIT, redactionManifest } from './provenance.js';
import { queryPairs, REQUEST_HEADER_ALLOW_LIST, RESPONSE_HEADER_ALLOW_LIST, type Redactor } from './redact.js';
import { assertNoSecrets } from './scan.js';

/** A HAR entry before annotation (Polly's shape; `_oac` is added by saveRecording). */
export type UnannotatedEntry = Omit<CassetteEntry, '_oac'> & { _oac?: unknown };

/** A HAR log with its entries, as Polly hands it to a persister or as the intercept recorder builds it. */
export type RecordedHar = { log: { entries: Array<Record<string, unknown>> } & Record<string, unknown> };

/** When an entry's request started and its response ended, by the recorder's clock (ms since the epoch). */
export interface EntryTimes {
  start: number;
  end?: number;
}

/**
 * One entry as a cassette keeps it: the URL as it went on the wire, allow-listed headers, every secret
 * replaced, the recorder's times (a fixed clock gives byte-identical cassettes). `wireUrl` is the URL with
 * the Host header as sent; the Redactor must have learned every exchange of the run before this is called.
 */
export function redactEntry(entry: UnannotatedEntry, wireUrl: string, redactor: Redactor, times: EntryTimes | undefined): void {
  const request = entry.request;
  request.url = redactor.redactText(wireUrl);
  request.queryString = queryPairs(wireUrl).map(([name, value]) => ({ name, value: redactor.redactText(value) }));
  request.headers = redactor.redactHeaders(request.headers as NameValue[], REQUEST_HEADER_ALLOW_LIST);
  request.headersSize = -1;
  request.cookies = [];
  if (request.postData?.text !== undefined) request.postData.text = redactor.redactText(request.postData.text);
  const response = entry.response;
  response.headers = redactor.redactHeaders(response.headers as NameValue[], RESPONSE_HEADER_ALLOW_LIST);
  response.headersSize = -1;
  response.cookies = [];
  response.redirectURL = redactor.redactText(response.redirectURL ?? '');
  if (response.content.text !== undefined && response.content.encoding === undefined) response.content.text = redactor.redactText(response.content.text);
  const start = times?.start ?? 0;
  const wait = Math.max(0, (times?.end ?? start) - start);
  entry.startedDateTime = new Date(start).toISOString();
  entry.time = wait;
  entry.timings = { blocked: -1, connect: -1, dns: -1, receive: 0, send: 0, ssl: -1, wait };
}

/** Who made the requests and against what: what the provenance says beyond the flow. */
interface CassetteSource {
  origin: Origin;
  /** The provenance notes before the caller's own: what was recorded, how, and against what. */
  description: string;
  client: { name: string; version: string };
}

export interface RecordingToSave {
  har: RecordedHar;
  spec: VariantSpec;
  source: CassetteSource;
  /** `flow/variant`: the HAR's `_recordingName`. */
  name: string;
  out: string;
  /** The output path as messages show it. */
  shown: string;
  recordedAtMs: number;
  expiresInSeconds: number;
  notes: string | undefined;
  write: boolean;
}

export interface SavedRecording {
  cassette: Cassette;
  text: string;
  diff: CassetteDiff;
  written: boolean;
}

function buildCassette(rec: RecordingToSave): Cassette {
  const { har, spec, source } = rec;
  const entries = har.log.entries as unknown as CassetteEntry[];
  const roles = classifyEntries(entries);
  entries.forEach((entry, i) => {
    entry._oac = { role: roles[i]!, step: i + 1 };
  });
  const provenance: Provenance = {
    origin: source.origin,
    targetHosts: [...new Set(entries.map((e) => hostOf(e.request.url)))],
    recordedAt: new Date(rec.recordedAtMs).toISOString(),
    harnessVersion: harnessVersion(),
    protocolCommit: PROTOCOL_COMMIT,
    referenceClient: source.client,
    flow: spec.provenanceFlow,
    ...(spec.action === undefined ? {} : { action: spec.action }),
    facts: spec.facts,
    redactions: [],
    expiresAt: new Date(rec.recordedAtMs + rec.expiresInSeconds * 1000).toISOString(),
    notes: [source.description, rec.notes].filter((n) => n !== undefined && n !== '').join(' '),
  };
  const cassette: Cassette = {
    log: {
      ...(har.log as unknown as Cassette['log']),
      _recordingName: rec.name,
      entries,
      _oac: provenance,
    },
  };
  provenance.redactions = redactionManifest(cassette);
  return cassette;
}

/** The cassette, refused unless it is secret-free, well-formed and schema-valid. */
function checkedCassette(rec: RecordingToSave): Cassette {
  const cassette = buildCassette(rec);
  assertNoSecrets(cassette, rec.shown, 'write');
  const structure = cassetteStructureProblem(cassette);
  if (structure !== undefined) throw new HarnessError('record/invalid-cassette', `the recorder built an invalid cassette for ${rec.shown}: ${structure}`);
  assertValid('cassette-provenance', cassette.log._oac, `${rec.shown} /log/_oac`);
  return cassette;
}

/** Compares with the file already at `out` and writes (atomically) only when something changed and writing is wanted. */
function writeIfChanged(out: string, shown: string, cassette: Cassette, text: string, write: boolean): { diff: CassetteDiff; written: boolean } {
  const previousText = readCassetteText(out);
  let previous: Cassette | undefined;
  let unreadable: string | undefined;
  if (previousText !== undefined) {
    try {
      previous = parseCassette(previousText, shown);
    } catch (err) {
      if (!(err instanceof OacError)) throw err;
      unreadable = err.message;
    }
  }
  const diff: CassetteDiff = unreadable !== undefined
    ? { status: 'changed' as const, lines: [`replacing a file that was not a valid cassette (${unreadable})`] }
    : diffCassettes(previous, cassette, previousText, text);
  const written = write && diff.status !== 'unchanged';
  if (written) writeFileAtomic(out, text);
  return { diff, written };
}

/** Annotate, stamp provenance, scan, validate, diff and (when wanted and changed) write the cassette. */
export function saveRecording(rec: RecordingToSave): SavedRecording {
  const cassette = checkedCassette(rec);
  const text = stableStringify(cassette);
  const { diff, written } = writeIfChanged(rec.out, rec.shown, cassette, text, rec.write);
  return { cassette, text, diff, written };
}
