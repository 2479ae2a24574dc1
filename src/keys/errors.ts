/**
 * Why a key could not be used. Every failure a user can hit with `~/.ollama/id_ed25519` has its own
 * stable code (so the CLI, reports and tests match on it, never on prose) and a one-line message that
 * names the file, says what Ollama itself would print for the same file (docs/protocol.md §5), and how to fix it.
 */
import { OacError } from '../errors.js';

export type KeyErrorCode =
  /** The private key file does not exist. */
  | 'key/missing'
  /** The file exists but holds nothing (0 bytes or only whitespace). */
  | 'key/empty'
  /** Not a private key at all, or a corrupt/truncated one. */
  | 'key/not-a-key'
  /** Encrypted (OpenSSH cipher other than `none`, PEM `Proc-Type: ENCRYPTED`, encrypted PKCS#8). */
  | 'key/passphrase-protected'
  /** A private key, but not Ed25519 (RSA, ECDSA, DSA, security-key types…). */
  | 'key/unsupported-type'
  /** The `.pub` beside the private key holds a different key (or no parsable ssh-ed25519 key). */
  | 'key/pub-mismatch'
  /** The file (or its `.pub`) exists but the OS refused to read it (EACCES, EISDIR, …). */
  | 'key/unreadable'
  /** Key generation refused to overwrite an existing file. */
  | 'key/exists'
  /** Key generation could not create the directory or write a file. */
  | 'key/unwritable'
  /** The home directory (HOME / USERPROFILE) is not set, so the default key path is unknown. */
  | 'key/no-home'
  /** A seed passed in code is not 32 bytes. */
  | 'key/invalid-seed';

/** The remedy every "you have no usable key" message ends with. */
export const CREATE_KEY_HINT = 'create one with "oac keygen" or by running "ollama serve" once';

export class KeyError extends OacError {
  declare readonly code: KeyErrorCode;
  /** The file the error is about, when there is one. */
  readonly path: string | undefined;
  /** What Ollama (Go, x/crypto/ssh) reports for the same file, when it reports anything. */
  readonly ollamaSays: string | undefined;
  constructor(
    code: KeyErrorCode,
    message: string,
    details: { path?: string; ollamaSays?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.path = details.path;
    this.ollamaSays = details.ollamaSays;
  }
}

/**
 * Where parsed bytes came from, for messages: `key file /x/id_ed25519` when read from disk, `key data`
 * when a caller parses a string in memory (parsing itself never does I/O).
 */
export interface KeySource {
  path?: string;
}

function describeSource(source: KeySource): string {
  return source.path === undefined ? 'key data' : `key file ${source.path}`;
}

/** `(Ollama: "…")`, the suffix that lets a user match our message to the one Ollama printed. */
function ollamaSuffix(ollamaSays: string | undefined): string {
  // Plain quotes, not JSON.stringify: a Windows path must appear exactly as Ollama prints it.
  return ollamaSays === undefined ? '' : ` (Ollama: "${ollamaSays}")`;
}

/** Printable, bounded rendering of text taken from an untrusted file (a key type, a PEM type). */
export function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}

// The factories below are shared by every parser (OpenSSH, PKCS#8, the PEM dispatcher) so that one kind of
// failure reads the same whichever format revealed it.

export function emptyKeyError(source: KeySource): KeyError {
  return new KeyError(
    'key/empty',
    `${describeSource(source)} is empty${ollamaSuffix('ssh: no key found')}; "ollama serve" only creates a key when the file is absent: delete it, then ${CREATE_KEY_HINT}`,
    { path: source.path, ollamaSays: 'ssh: no key found' },
  );
}

export function notAKeyError(source: KeySource, detail: string, ollamaSays: string | undefined): KeyError {
  return new KeyError(
    'key/not-a-key',
    `${describeSource(source)} is not a usable OpenSSH private key: ${detail}${ollamaSuffix(ollamaSays)}; restore it from a backup, or move it away and ${CREATE_KEY_HINT}`,
    { path: source.path, ollamaSays },
  );
}

export function passphraseProtectedError(source: KeySource, how: string, ollamaSays = 'ssh: this private key is passphrase protected'): KeyError {
  return new KeyError(
    'key/passphrase-protected',
    `${describeSource(source)} is passphrase-protected${how}${ollamaSuffix(ollamaSays)}; Ollama keys are unencrypted: create one with "oac keygen" or "ollama serve"`,
    { path: source.path, ollamaSays },
  );
}

/**
 * `typeName` is shown as given (callers quote key-type strings from the file). `goLoads`: Go's
 * ParsePrivateKey accepts this type, so Ollama would sign with it and only the server would refuse.
 */
export function unsupportedTypeError(
  source: KeySource,
  typeName: string,
  options: { goLoads: boolean; ollamaSays?: string | undefined; extra?: string },
): KeyError {
  const goNote = options.goLoads ? ' (Ollama itself would load it and sign with it; the server would reject every signature)' : '';
  return new KeyError(
    'key/unsupported-type',
    `${describeSource(source)} holds a key of type ${typeName}${options.extra ?? ''}, not ssh-ed25519${goNote}${ollamaSuffix(options.ollamaSays)}: Ollama keys are Ed25519, ${CREATE_KEY_HINT}`,
    { path: source.path, ollamaSays: options.ollamaSays },
  );
}

/**
 * The message of anything thrown. Not `instanceof Error`: errors from node:fs or node:crypto can come from
 * another realm (jest's vm contexts, worker threads) and would then print as "Error: …" via String().
 */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}
