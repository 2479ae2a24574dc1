/**
 * `log._oac`: where a cassette comes from and how far to trust it (specs/schemas/cassette-provenance.schema.json).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OacError } from '../errors.js';
import { parseDuration } from '../emulator/duration.js';
import { escapePointer, type Redaction } from './har.js';
import { PLACEHOLDER_PATTERN, redactionKind, type PlaceholderKind } from './placeholders.js';

/** The ollama/ollama commit docs/protocol.md was read from. */
export const PROTOCOL_COMMIT = 'fb30760';
export const REFERENCE_CLIENT_NAME = 'ollama-auth-conformance reference client';

/** The installed package's root (src/recorder/ under ts-jest and dist/recorder/ after build are both two levels down). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

let version: string | undefined;
export function harnessVersion(): string {
  if (version === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof pkg.version !== 'string') throw new OacError('record/no-version', 'package.json has no version');
    version = pkg.version;
  }
  return version;
}

/** Default validity: a live recording should be re-checked within a month; emulator ones change only with the code. */
export const DEFAULT_EXPIRES_IN = { live: '30d', other: '3650d' } as const;

/**
 * Seconds in an `--expires-in` value (`90d`, `12h`, `1d12h`). Checked here: Polly's own `expiresIn`
 * crashes with a bare TypeError on a malformed value.
 */
export function parseExpiresIn(text: string): number {
  let seconds: number;
  try {
    seconds = parseDuration(text);
  } catch (err) {
    if (err instanceof OacError) {
      throw new OacError('record/bad-expires-in', `--expires-in: expected a duration like 30d, 12h or 1d12h (units s, m, h, d), got ${JSON.stringify(text)}`, { cause: err });
    }
    throw err;
  }
  if (seconds <= 0) throw new OacError('record/bad-expires-in', `--expires-in must be longer than 0 seconds, got ${JSON.stringify(text)}`);
  if (seconds > 100 * 365 * 86400) throw new OacError('record/bad-expires-in', `--expires-in must be at most 100 years, got ${JSON.stringify(text)}`);
  return seconds;
}

/** Every placeholder in the document, in file order, one manifest line per placeholder (JSON pointer of the string holding it). */
export function redactionManifest(doc: unknown): Redaction[] {
  const out: Redaction[] = [];
  const walk = (value: unknown, pointer: string): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(PLACEHOLDER_PATTERN)) {
        out.push({ path: pointer, kind: redactionKind({ kind: m[1] as PlaceholderKind, detail: m[2]! }), placeholder: m[0] });
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${pointer}/${i}`));
    } else if (value !== null && typeof value === 'object') {
      // Sorted keys: the order the file is written in (stableStringify), so the manifest reads top to bottom.
      for (const k of Object.keys(value).sort()) walk((value as Record<string, unknown>)[k], `${pointer}/${escapePointer(k)}`);
    }
  };
  walk(doc, '');
  return out;
}

/** `host` or `host:port` as written in the URL (Go's URL.Host), without userinfo. */
export function hostOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  const authority = m ? m[1]! : '';
  return authority.slice(authority.lastIndexOf('@') + 1);
}
