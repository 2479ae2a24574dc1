/**
 * `oac probe --record FILE`: the probe's exchanges as a HAR-like cassette, redacted at save (the
 * requests are already in their shown form: every secret `<redacted>`; answers go through the
 * recorder's Redactor and the literal secrets of the run), refused by the secret scanner if anything
 * secret-shaped is left, and written atomically. `--drift FILE` reads one back and pairs its requests
 * with this run's, for src/rules/probe/drift.ts.
 *
 * Format: `{ log: { version, creator, _oac: { kind: 'oac-probe', url, recordedAt, catalogueCommit },
 * entries: [{ request, response, _oac: { key, route, method, spelling, credential, purpose, reach } }] } }`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { OacError } from '../errors.js';
import { replaceLiterals } from '../redaction/index.js';
import { stableStringify, writeFileAtomic, type NameValue } from '../recorder/har.js';
import { Redactor, RESPONSE_HEADER_ALLOW_LIST } from '../recorder/redact.js';
import { assertNoSecrets } from '../recorder/scan.js';
import { placeholder } from '../recorder/placeholders.js';
import type { DriftObservation, ProbeExchange, Reach } from '../rules/probe/observations.js';
import type { ProbeRun } from './engine.js';
import type { ProbeTarget } from './target.js';

const PROBE_CASSETTE_KIND = 'oac-probe';

/** Response headers a probe cassette keeps: the recorder's allow-list plus what the CORS rule reads. */
const RESPONSE_HEADERS = new Set([...RESPONSE_HEADER_ALLOW_LIST, 'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers']);
/** Bodies are evidence, not data: the first few hundred bytes say who answered. */
const BODY_KEPT = 512;

/** What identifies "the same request" across two probes of a deployment. */
function exchangeKey(e: Pick<ProbeExchange, 'route' | 'method' | 'spelling' | 'credential'>): string {
  return `${e.method} ${e.route} ${e.spelling} ${e.credential.id}`;
}

interface RecordedExchange {
  key: string;
  reach: Reach;
}

export interface ProbeRecording {
  file: string;
  url: string;
  recordedAt: string;
  exchanges: RecordedExchange[];
}

function recordedExchanges(run: ProbeRun): ProbeExchange[] {
  return [...run.exchanges, ...(run.mtls ? [run.mtls.withoutCertificate, run.mtls.foreignCertificate] : [])];
}

function nameValues(headers: Record<string, string>, keep: (name: string) => boolean, scrub: (s: string) => string): NameValue[] {
  return Object.entries(headers).filter(([n]) => keep(n.toLowerCase())).map(([name, value]) => ({ name: name.toLowerCase(), value: scrub(value) }));
}

/** Each secret (and its percent-encoded forms), longest first, as a typed placeholder the scanner accepts. */
function replaceSecretLiterals(text: string, secrets: readonly string[]): string {
  return replaceLiterals(text, secrets, (secret) => placeholder('secret', `${secret.length} chars`));
}

/** The cassette document for a run (redacted, not yet scanned). */
function probeCassette(run: ProbeRun, t: ProbeTarget, secrets: readonly string[], harnessVersion: string): object {
  const redactor = new Redactor({ ...(t.apiKey ? { apiKey: t.apiKey } : {}), ...(t.basic ? { basic: { user: t.basic.user, pass: t.basic.password } } : {}) }, 'apikey');
  const scrub = (s: string): string => redactor.redactText(replaceSecretLiterals(s, secrets));
  const origin = t.url.origin;
  const entries = recordedExchanges(run).map((e) => {
    const response = e.outcome.kind === 'response'
      ? { status: e.outcome.status, headers: nameValues(e.outcome.headers, (n) => RESPONSE_HEADERS.has(n), scrub), content: { mimeType: e.outcome.headers['content-type'] ?? '', text: scrub(e.outcome.bodySnippet.slice(0, BODY_KEPT)) } }
      : { status: 0, headers: [], content: { mimeType: '', text: '' }, _error: scrub(`${e.outcome.kind}: ${e.outcome.message}`) };
    return {
      request: { method: e.method, url: scrub(e.target.startsWith('/') ? `${origin}${e.target}` : e.target), headers: nameValues(e.headers, () => true, scrub) },
      response,
      _oac: { key: exchangeKey(e), route: e.route, method: e.method, spelling: e.spelling, credential: e.credential.id, purpose: e.purpose, reach: e.reach, reachReason: scrub(e.reachReason) },
    };
  });
  return {
    log: {
      version: '1.2',
      creator: { name: 'ollama-auth-conformance', version: harnessVersion, comment: 'oac probe --record' },
      _oac: { kind: PROBE_CASSETTE_KIND, url: t.url.href, recordedAt: run.startedAt, catalogueCommit: run.catalogue.commit },
      entries,
    },
  };
}

/** Writes the cassette; refuses (SecretLeakError) when the scanner finds anything secret-shaped or a literal secret. */
export function writeProbeCassette(file: string, run: ProbeRun, t: ProbeTarget, secrets: readonly string[], harnessVersion: string): void {
  const doc = probeCassette(run, t, secrets, harnessVersion);
  assertNoSecrets(doc, file, 'write', { context: 'cassette' });
  const text = stableStringify(doc);
  const leaked = secrets.filter((s) => s.length >= 4 && text.includes(s));
  if (leaked.length > 0) throw new OacError('record/secret-detected', `refusing to write ${file}: it still holds ${leaked.length} of the run's secret values`);
  writeFileAtomic(file, text);
}

function invalid(file: string, why: string): OacError {
  return new OacError('cli/usage', `--drift ${file} is not a recording made by oac probe --record: ${why}`);
}

/** Reads a recording for --drift; a file that is not one is a usage error naming the flag. */
export function readProbeRecording(file: string): ProbeRecording {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw invalid(file, 'it is not JSON');
    throw new OacError('cli/usage', `--drift ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const log = (doc as { log?: { _oac?: { kind?: unknown; url?: unknown; recordedAt?: unknown }; entries?: unknown } }).log;
  if (log?._oac?.kind !== PROBE_CASSETTE_KIND) throw invalid(file, `log._oac.kind is not ${JSON.stringify(PROBE_CASSETTE_KIND)}`);
  if (!Array.isArray(log.entries)) throw invalid(file, 'log.entries is not an array');
  const reaches = new Set<Reach>(['ollama', 'refused', 'unknown']);
  const exchanges = log.entries.map((entry: unknown, i: number) => {
    const oac = (entry as { _oac?: { key?: unknown; reach?: unknown } })._oac;
    if (typeof oac?.key !== 'string' || !reaches.has(oac.reach as Reach)) throw invalid(file, `log.entries[${i}]._oac needs a key and a reach`);
    return { key: oac.key, reach: oac.reach as Reach };
  });
  return { file, url: String(log._oac.url ?? ''), recordedAt: String(log._oac.recordedAt ?? ''), exchanges };
}

/** This run's requests paired with the recording's, by key. */
export function driftObservation(recording: ProbeRecording, run: ProbeRun): DriftObservation {
  const now = new Map(recordedExchanges(run).map((e) => [exchangeKey(e), e]));
  const pairs: DriftObservation['pairs'] = [];
  let unmatched = 0;
  for (const before of recording.exchanges) {
    const e = now.get(before.key);
    if (e === undefined) unmatched += 1;
    else pairs.push({ key: before.key, before: before.reach, now: e });
  }
  return { recording: basename(recording.file), recordedAt: recording.recordedAt, pairs, unmatched };
}
