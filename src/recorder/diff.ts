/**
 * What changed between the cassette on disk and a new recording, in lines a reviewer can read before
 * committing: per entry the request line, status, headers and bodies; then the provenance fields.
 * Values are already redacted (both sides are cassettes), so they can be shown.
 */
import { stableStringify, type Cassette, type CassetteEntry, type NameValue } from './har.js';

export interface CassetteDiff {
  status: 'new' | 'unchanged' | 'changed';
  lines: string[];
}

const MAX_SHOWN = 120;

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '(none)' : text.length > MAX_SHOWN ? `${JSON.stringify(text.slice(0, MAX_SHOWN))}…(${text.length} chars)` : JSON.stringify(text);
}

function headerMap(headers: readonly NameValue[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const h of headers) {
    const name = h.name.toLowerCase();
    map.set(name, map.has(name) ? `${map.get(name)}, ${h.value}` : h.value);
  }
  return map;
}

function diffHeaders(where: string, before: readonly NameValue[], after: readonly NameValue[], out: string[]): void {
  const a = headerMap(before);
  const b = headerMap(after);
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (a.get(name) !== b.get(name)) out.push(`  ${where} header ${name}: ${shown(a.get(name))} → ${shown(b.get(name))}`);
  }
}

function label(entry: CassetteEntry | undefined, i: number): string {
  if (entry === undefined) return `entry ${i + 1}`;
  return `entry ${i + 1} (${entry._oac?.role ?? '?'})`;
}

function diffEntry(i: number, a: CassetteEntry, b: CassetteEntry, out: string[]): void {
  const at = label(b, i);
  const lines: string[] = [];
  if (a._oac?.role !== b._oac?.role) lines.push(`  role: ${shown(a._oac?.role)} → ${shown(b._oac?.role)}`);
  if (a.request.method !== b.request.method || a.request.url !== b.request.url) {
    lines.push(`  request: ${a.request.method} ${a.request.url} → ${b.request.method} ${b.request.url}`);
  }
  diffHeaders('request', a.request.headers, b.request.headers, lines);
  if ((a.request.postData?.text ?? '') !== (b.request.postData?.text ?? '')) {
    lines.push(`  request body: ${shown(a.request.postData?.text)} → ${shown(b.request.postData?.text)}`);
  }
  if (a.response.status !== b.response.status) lines.push(`  status: ${a.response.status} → ${b.response.status}`);
  diffHeaders('response', a.response.headers, b.response.headers, lines);
  if ((a.response.content.text ?? '') !== (b.response.content.text ?? '')) {
    lines.push(`  response body: ${shown(a.response.content.text)} → ${shown(b.response.content.text)}`);
  }
  if (a.startedDateTime !== b.startedDateTime) lines.push(`  startedDateTime: ${a.startedDateTime} → ${b.startedDateTime}`);
  if (lines.length > 0) out.push(`${at}:`, ...lines);
}

export function diffCassettes(before: Cassette | undefined, after: Cassette, beforeText?: string, afterText?: string): CassetteDiff {
  const entries = after.log.entries;
  if (before === undefined) {
    return { status: 'new', lines: [`new cassette: ${entries.length} entries (${entries.map((e) => e._oac.role).join(', ')})`] };
  }
  if (beforeText !== undefined && beforeText === afterText) return { status: 'unchanged', lines: ['unchanged'] };
  const out: string[] = [];
  const a = before.log.entries ?? [];
  const n = Math.max(a.length, entries.length);
  if (a.length !== entries.length) out.push(`entries: ${a.length} → ${entries.length}`);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = entries[i];
    if (x === undefined) out.push(`${label(y, i)}: added: ${y!.request.method} ${y!.request.url} → ${y!.response.status}`);
    else if (y === undefined) out.push(`${label(x, i)}: removed: ${x.request.method} ${x.request.url} → ${x.response.status}`);
    else diffEntry(i, x, y, out);
  }
  const pa = (before.log._oac ?? {}) as unknown as Record<string, unknown>;
  const pb = after.log._oac as unknown as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) {
    if (key === 'redactions') continue;
    if (stableStringify(pa[key] ?? null) !== stableStringify(pb[key] ?? null)) out.push(`provenance ${key}: ${shown(pa[key])} → ${shown(pb[key])}`);
  }
  const ra = Array.isArray(pa['redactions']) ? pa['redactions'].length : 0;
  const rb = pb['redactions'] as unknown[];
  if (stableStringify(pa['redactions'] ?? null) !== stableStringify(rb)) out.push(`provenance redactions: ${ra} → ${rb.length} entries`);
  if (out.length === 0) out.push('formatting only (same content)');
  return { status: 'changed', lines: out };
}
