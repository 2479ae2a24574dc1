/**
 * SHA256SUMS in the format of GNU coreutils' `sha256sum` (text mode): `<64 lower-case hex>  <name>` per line,
 * so `sha256sum -c SHA256SUMS` checks a bundle without this tool. Reading accepts the binary-mode marker
 * (`<hex> *<name>`) too, since that is what `sha256sum -b` writes.
 */
import { createHash } from 'node:crypto';
import { EvidenceError } from './errors.js';

export const SUMS_FILE = 'SHA256SUMS';

export interface SumEntry {
  name: string;
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A name we write: a plain file name (no folder, no newline, no backslash, which sha256sum would escape). */
function assertPlainName(name: string): void {
  if (name === '' || /[/\\\n\r\0]/.test(name)) throw new EvidenceError('evidence/bad-name', `cannot list ${JSON.stringify(name)} in ${SUMS_FILE}: expected a plain file name`);
}

export function formatSums(entries: readonly SumEntry[]): string {
  return entries.map((e) => {
    assertPlainName(e.name);
    return `${e.sha256}  ${e.name}\n`;
  }).join('');
}

const SUM_LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/** Parse the file; every malformed line is a problem (the whole point is to be strict). */
export function parseSums(text: string): { entries: SumEntry[]; problems: string[] } {
  const entries: SumEntry[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const match = SUM_LINE.exec(line);
    if (!match) {
      problems.push(`${SUMS_FILE} line ${i + 1}: expected "<64 hex digits>  <file name>", got ${JSON.stringify(line.length > 100 ? `${line.slice(0, 100)}…` : line)}`);
      return;
    }
    entries.push({ sha256: match[1]!.toLowerCase(), name: match[2]! });
  });
  if (lines.length === 0) problems.push(`${SUMS_FILE} is empty: expected one line per file of the bundle`);
  return { entries, problems };
}
