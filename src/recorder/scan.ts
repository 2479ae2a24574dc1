/**
 * A shape-based secret scanner. The recorder runs it over every cassette before writing (strict: nothing
 * secret-shaped may remain, placeholders aside), and a test runs it over every file of the repository
 * that git would commit. It looks for the shapes that Ollama's auth puts on the wire, not for entropy:
 *
 *   registry-token     base64(token URL) ":" <A> ":" <B> (the registry's self-verifying token)
 *   signature-pair     <A>:<B> = 68 base64 chars ":" 86 base64 chars "==" (an Ollama Authorization value)
 *   private-key        "-----BEGIN … PRIVATE KEY-----" armour followed by a base64 body
 *   public-key         an ssh-ed25519 public-key field (AAAAC3NzaC1lZDI1NTE5AAAAI + 43) or its
 *                      authorized_keys line in base64/base64url (the `key=` of a sign-in URL)
 *   bearer-token       "Bearer <24+ token chars>", or a `"token"`-like JSON field with a value
 *   basic-credentials  "Basic <base64>" that decodes to user:password
 *   api-key            known API-key shapes (sk-…, ghp_…, AKIA…, AIza…, xox…-, hf_…, OLLAMA_API_KEY=<value>)
 *   nonce              a 22-char Ollama nonce in a `nonce=` parameter (or a HAR query pair named nonce)
 *
 * Placeholders (`<kind:detail>`, placeholders.ts) are safe by definition. In the `repository` context
 * (source, docs, vectors), values derived from the published test seeds (docs/protocol.md §9: bytes
 * 0x01…0x20 and 0x21…0x40), the published test nonce (bytes 0x00…0x0f) and textbook Basic credentials
 * (password `pass`, `password`, RFC 7617's `open sesame`) are not findings: anyone can produce them, so
 * they are not secrets, and a `"token": "…"` JSON field is test data. Cassettes are always scanned in
 * the strict `cassette` context.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { OacError } from '../errors.js';
import { publicKeyField, publicKeyFromSeed } from '../keys/index.js';
import { encodeNonce } from '../protocol/nonce.js';
import { PLACEHOLDER_PATTERN } from './placeholders.js';

export const SECRET_KINDS = [
  'registry-token', 'signature-pair', 'private-key', 'public-key', 'bearer-token', 'basic-credentials', 'api-key', 'nonce',
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export interface SecretFinding {
  /** The file as the caller named it. */
  file: string;
  /** A JSON pointer (JSON documents) or `line L, column C` (text). */
  path: string;
  kind: SecretKind;
  /** What was found, reduced to its shape: never a byte of the value. */
  shape: string;
}

export interface ScanOptions {
  /**
   * `cassette` (default): every shape is a finding. `repository`: source, docs and vectors, where values
   * derived from the published test seeds, the published test nonce and textbook credentials are public,
   * and a `"token": "…"` JSON field is ordinary test data (token-response vectors); a `Bearer <token>`
   * and every other shape are still findings.
   */
  context?: 'cassette' | 'repository';
}

interface Hit {
  kind: SecretKind;
  index: number;
  length: number;
}

interface Rule {
  kind: SecretKind;
  pattern: RegExp;
  /** Which capture group is the value (default 0: the whole match). */
  group?: number;
  /** Extra condition on the match (e.g. Basic must decode to user:pass). */
  accept?: (value: string, match: RegExpMatchArray) => boolean;
  /** The value is published test material (only consulted in the repository context). */
  published?: (value: string) => boolean;
  /** Applies in the cassette context only. */
  cassetteOnly?: boolean;
}

const B64 = 'A-Za-z0-9+/';
const PUBKEY_PREFIX = 'AAAAC3NzaC1lZDI1NTE5AAAAI';
/** base64 / base64url of "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA": the start of an encoded authorized_keys line. */
const ENCODED_KEY_LINE_PREFIX = 'c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFB';

/** Published test seeds: the golden vectors' 0x01…0x20 (TEST_SEED) and the "other key" 0x21…0x40. */
function publishedSeeds(): Uint8Array[] {
  return [1, 33].map((start) => Uint8Array.from({ length: 32 }, (_, i) => start + i));
}

let publishedKeyFields: Set<string> | undefined;
function isPublishedKeyField(field: string): boolean {
  publishedKeyFields ??= new Set(publishedSeeds().map((seed) => publicKeyField(publicKeyFromSeed(seed))));
  return publishedKeyFields.has(field);
}

const PUBLISHED_NONCES = new Set([encodeNonce(Uint8Array.from({ length: 16 }, (_, i) => i))]);
/** Textbook passwords (RFC 7617 §2's `Aladdin:open sesame`, `user:pass` and the like): examples, not secrets. */
const TEXTBOOK_PASSWORDS = new Set(['pass', 'password', 'open sesame']);

function keyFieldOfPair(value: string): string {
  const parts = value.split(':');
  return parts[parts.length - 2] ?? '';
}

function decodedKeyLineField(encoded: string): string {
  const text = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
  const m = /^ssh-ed25519 ([A-Za-z0-9+/]{68})/.exec(text);
  return m ? m[1]! : '';
}

function isTextbookBasic(value: string): boolean {
  const decoded = decodeBasic(value);
  return decoded !== undefined && TEXTBOOK_PASSWORDS.has(decoded.slice(decoded.indexOf(':') + 1));
}

function decodeBasic(value: string): string | undefined {
  const text = Buffer.from(value, 'base64').toString('utf8');
  // Valid credentials: printable text with a non-empty user before the first colon.
  return /^[^:\x00-\x1f\x7f\ufffd]+:[^\x00-\x1f\x7f\ufffd]*$/.test(text) ? text : undefined;
}

const RULES: Rule[] = [
  {
    kind: 'private-key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:\s|\\[rn])+(?:[A-Za-z-]+: [^\n\\]*(?:\r?\n|\\n))*(?:\s|\\[rn])*[A-Za-z0-9+/=]{40,}/g,
  },
  {
    kind: 'registry-token',
    pattern: new RegExp(`(?<![${B64}=])[${B64}]{8,}={0,2}:[${B64}]{68}:[${B64}]{86}==`, 'g'),
    published: (v) => isPublishedKeyField(keyFieldOfPair(v)),
  },
  {
    kind: 'signature-pair',
    pattern: new RegExp(`(?<![${B64}])[${B64}]{68}:[${B64}]{86}==`, 'g'),
    published: (v) => isPublishedKeyField(keyFieldOfPair(v)),
  },
  {
    kind: 'public-key',
    pattern: new RegExp(`${PUBKEY_PREFIX}[${B64}]{43}(?![${B64}])`, 'g'),
    published: isPublishedKeyField,
  },
  {
    kind: 'public-key',
    pattern: new RegExp(`${ENCODED_KEY_LINE_PREFIX}[A-Za-z0-9+/_-]{50,}={0,2}`, 'g'),
    published: (v) => isPublishedKeyField(decodedKeyLineField(v)),
  },
  {
    kind: 'bearer-token',
    pattern: /\bBearer[ \t]+([A-Za-z0-9._~+/=-]{24,})/gi,
    group: 1,
    // `Bearer AAAAC3…` is a signature form: the pair / public-key rules judge it.
    accept: (v) => !v.startsWith(PUBKEY_PREFIX),
  },
  {
    kind: 'bearer-token',
    pattern: /"(?:token|access_token|refresh_token|id_token)"\s*:\s*"([^"\\\s]{16,})"/g,
    group: 1,
    cassetteOnly: true,
  },
  {
    kind: 'basic-credentials',
    pattern: /\bBasic[ \t]+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/g,
    group: 1,
    accept: (v) => decodeBasic(v) !== undefined,
    published: isTextbookBasic,
  },
  { kind: 'api-key', pattern: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'api-key', pattern: /\bgh[pousr]_[A-Za-z0-9]{36}\b/g },
  { kind: 'api-key', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { kind: 'api-key', pattern: /\bAKIA[0-9A-Z]{16}\b/g },
  { kind: 'api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: 'api-key', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: 'api-key', pattern: /\bhf_[A-Za-z0-9]{30,}/g },
  { kind: 'api-key', pattern: /\bOLLAMA_API_KEY\s*[=:]\s*["']?([A-Za-z0-9._+/-]{16,})/g, group: 1 },
  {
    kind: 'nonce',
    pattern: /\bnonce=([A-Za-z0-9_-]{21}[AQgw])(?![A-Za-z0-9_-])/g,
    group: 1,
    published: (v) => PUBLISHED_NONCES.has(v),
  },
];

const NONCE_VALUE = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/** Secret-shaped runs in `text` (placeholders ignored), in text order. */
export function scanString(text: string, opts: ScanOptions = {}): Hit[] {
  // Placeholders become spaces of the same length, and every match is blanked once judged, so a
  // signature pair is reported once (not again as a public key) and indexes stay those of `text`.
  let work = text.replace(PLACEHOLDER_PATTERN, (m) => ' '.repeat(m.length));
  const hits: Hit[] = [];
  const repository = opts.context === 'repository';
  for (const rule of RULES) {
    if (repository && rule.cassetteOnly) continue;
    const blank: Array<[number, number]> = [];
    for (const m of work.matchAll(rule.pattern)) {
      const value = m[rule.group ?? 0] ?? '';
      if (rule.accept && !rule.accept(value, m)) continue;
      const index = m.index ?? 0;
      blank.push([index, m[0].length]);
      if (repository && rule.published?.(value)) continue;
      hits.push({ kind: rule.kind, index, length: m[0].length });
    }
    for (const [index, length] of blank) work = work.slice(0, index) + ' '.repeat(length) + work.slice(index + length);
  }
  return hits.sort((a, b) => a.index - b.index);
}

function shapeOf(kind: SecretKind, length: number): string {
  return `${kind}, ${length} chars`;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Every string of a parsed JSON document, scanned; paths are JSON pointers. */
export function scanJson(doc: unknown, file: string, opts: ScanOptions = {}): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const walk = (value: unknown, pointer: string): void => {
    if (typeof value === 'string') {
      for (const hit of scanString(value, opts)) findings.push({ file, path: pointer, kind: hit.kind, shape: shapeOf(hit.kind, hit.length) });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${pointer}/${i}`));
      return;
    }
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      // A HAR query pair {"name":"nonce","value":"…"} carries a nonce without the `nonce=` around it.
      const nonce = record['value'];
      if (record['name'] === 'nonce' && typeof nonce === 'string' && NONCE_VALUE.test(nonce)
        && !(opts.context === 'repository' && PUBLISHED_NONCES.has(nonce))) {
        findings.push({ file, path: `${pointer}/value`, kind: 'nonce', shape: shapeOf('nonce', nonce.length) });
      }
      for (const [k, v] of Object.entries(record)) {
        if (record['name'] === 'nonce' && k === 'value' && typeof v === 'string' && NONCE_VALUE.test(v)) continue;
        walk(v, `${pointer}/${escapePointer(k)}`);
      }
    }
  };
  walk(doc, '');
  return findings;
}

/** A text file, scanned as a whole (armour spans lines); paths are `line L, column C` (1-based). */
export function scanText(text: string, file: string, opts: ScanOptions = {}): SecretFinding[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const locate = (index: number): string => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return `line ${lo + 1}, column ${index - lineStarts[lo]! + 1}`;
  };
  return scanString(text, opts).map((hit) => ({ file, path: locate(hit.index), kind: hit.kind, shape: shapeOf(hit.kind, hit.length) }));
}

function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/** One file: JSON documents (`.json`, `.har`) by JSON pointer, everything else as text; binary files are skipped. */
export function scanFile(path: string, displayName: string = path, opts: ScanOptions = {}): SecretFinding[] {
  const bytes = readFileSync(path);
  if (looksBinary(bytes)) return [];
  const text = bytes.toString('utf8');
  if (/\.(json|har)$/i.test(path)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      // Not valid JSON (a fixture, a template): its text is still scanned, just without JSON pointers.
      if (err instanceof SyntaxError) return scanText(text, displayName, opts);
      throw err;
    }
    return scanJson(doc, displayName, opts);
  }
  return scanText(text, displayName, opts);
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

/**
 * The files of a repository that a commit could contain: `git ls-files --cached --others
 * --exclude-standard` (tracked plus untracked-but-not-ignored), relative to `root`. Outside a git
 * checkout, every file except node_modules/, dist/ and .git/.
 */
export function repositoryFiles(root: string): string[] {
  let listed: string | undefined;
  try {
    listed = execFileSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    if (!/not a git repository/i.test(stderr) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (listed !== undefined) {
    return listed.split('\0').filter((f) => f !== '' && existsSync(join(root, f)) && statSync(join(root, f)).isFile()).sort();
  }
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile()) {
        out.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Every committable file of the repository at `root`, scanned in the repository context. */
export function scanRepository(root: string, opts: ScanOptions = { context: 'repository' }): SecretFinding[] {
  return repositoryFiles(root).flatMap((file) => scanFile(join(root, file), file, opts));
}

export function describeFinding(f: SecretFinding): string {
  return `${f.file}: ${f.path || '/'}: ${f.kind} (${f.shape})`;
}

/** Refusal to write (or to accept) a file that still holds a secret-shaped value. */
export class SecretLeakError extends OacError {
  readonly findings: SecretFinding[];
  constructor(action: string, findings: SecretFinding[]) {
    const first = findings[0]!;
    const more = findings.length > 1 ? ` (and ${findings.length - 1} more: ${[...new Set(findings.slice(1).map((f) => f.kind))].join(', ')})` : '';
    super('record/secret-detected',
      `refusing to ${action} ${first.file}: ${first.path || '/'} holds ${/^[aeiou]/.test(first.kind) ? 'an' : 'a'} ${first.kind} (${first.shape}); redact it to a <kind:detail> placeholder${more}`);
    this.findings = findings;
  }
}

/** Throws SecretLeakError naming the file, the JSON path and the kind of the first finding. */
export function assertNoSecrets(doc: unknown, file: string, action = 'write', opts: ScanOptions = {}): void {
  const findings = scanJson(doc, file, opts);
  if (findings.length > 0) throw new SecretLeakError(action, findings);
}
