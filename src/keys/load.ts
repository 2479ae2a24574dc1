/**
 * Reading the key from disk, where Ollama reads it (auth.Sign: os.UserHomeDir()/.ollama/id_ed25519).
 * All file access of the read side is here; parsing (parse.ts) stays pure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProtocolError } from '../errors.js';
import { KeyError, CREATE_KEY_HINT, errorMessage } from './errors.js';
import type { OllamaKey } from './key.js';
import { ollamaKeyFromText } from './parse.js';
import { fingerprintSha256, parseAuthorizedKeyLine } from '../protocol/ssh-wire.js';

export const OLLAMA_DIR = '.ollama';
export const PRIVATE_KEY_NAME = 'id_ed25519';

/**
 * `<home>/.ollama/id_ed25519`, with home found as Go's os.UserHomeDir finds it: $HOME on unix and macOS,
 * %USERPROFILE% on Windows; no fallback to the passwd database (Go has none either), so a service
 * with HOME unset fails here as it fails in Ollama.
 */
export function defaultKeyPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const windows = platform === 'win32';
  const [name, goName] = windows ? ['USERPROFILE', '%userprofile%'] : ['HOME', '$HOME'];
  const home = env[name];
  if (home === undefined || home === '') {
    const goSays = `${goName} is not defined`;
    throw new KeyError(
      'key/no-home',
      `cannot locate the Ollama key: ${goSays} (Ollama: "${goSays}"); set ${name} or pass the key file path explicitly`,
      { ollamaSays: goSays },
    );
  }
  // filepath.Join cleans the result ("/home/u/" + … → "/home/u/.ollama/…"); path.join does the same.
  return (windows ? path.win32 : path.posix).join(home, OLLAMA_DIR, PRIVATE_KEY_NAME);
}

/** The message Go's os.ReadFile error would carry (PathError: "<op> <path>: <errno text>"), when we know it. */
function goReadError(code: string | undefined, file: string): string | undefined {
  const unix: Record<string, string> = {
    ENOENT: `open ${file}: no such file or directory`,
    EACCES: `open ${file}: permission denied`,
    EPERM: `open ${file}: operation not permitted`,
    // open(2) succeeds on a directory; the read fails.
    EISDIR: `read ${file}: is a directory`,
    ENOTDIR: `open ${file}: not a directory`,
    ELOOP: `open ${file}: too many levels of symbolic links`,
  };
  if (process.platform === 'win32') {
    return code === 'ENOENT' ? `open ${file}: The system cannot find the file specified.` : undefined;
  }
  return code === undefined ? undefined : unix[code];
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function readError(file: string, what: string, err: unknown): KeyError {
  const code = errnoCode(err);
  const ollamaSays = goReadError(code, file);
  const suffix = ollamaSays === undefined ? '' : ` (Ollama: "${ollamaSays}")`;
  if (code === 'ENOENT') {
    return new KeyError('key/missing', `${what} ${file} does not exist${suffix}; ${CREATE_KEY_HINT}`, {
      path: file,
      ollamaSays,
      cause: err,
    });
  }
  const reason = errorMessage(err);
  return new KeyError('key/unreadable', `${what} ${file} cannot be read: ${reason}${suffix}`, { path: file, ollamaSays, cause: err });
}

/** Latin-1 so every byte maps to one char: PEM is ASCII, and stray bytes must not turn into U+FFFD. */
function readText(file: string, what: string): string {
  try {
    return readFileSync(file).toString('latin1');
  } catch (err) {
    throw readError(file, what, err);
  }
}

/**
 * Compares `<key>.pub` with the key derived from the private key. Ollama never reads the .pub (docs/protocol.md
 * §0.3), but it is what users paste into ollama.com: a stale one means the registered key is not the key
 * that signs, and every request fails with a bare 401. A missing .pub is fine.
 */
function checkPublicKeyFile(privatePath: string, key: OllamaKey): void {
  const pubPath = `${privatePath}.pub`;
  let text: string;
  try {
    text = readFileSync(pubPath).toString('latin1');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    const reason = errorMessage(err);
    throw new KeyError(
      'key/unreadable',
      `public key file ${pubPath} (beside key file ${privatePath}) cannot be read: ${reason}; Ollama does not need it: fix its permissions, remove it, or skip the check (checkPub: false)`,
      { path: pubPath, cause: err },
    );
  }
  const fix = `Ollama signs with the private key and ignores the .pub, so a key registered on ollama.com from this .pub will not authenticate: rewrite it with "ssh-keygen -y -f ${privatePath} > ${pubPath}"`;
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  let pubKey: Uint8Array;
  try {
    pubKey = parseAuthorizedKeyLine(line).publicKey;
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    throw new KeyError(
      'key/pub-mismatch',
      `public key file ${pubPath} does not hold the ssh-ed25519 key of key file ${privatePath}: ${err.message}; ${fix}`,
      { path: pubPath, cause: err },
    );
  }
  if (Buffer.compare(Buffer.from(pubKey), Buffer.from(key.publicKey)) !== 0) {
    throw new KeyError(
      'key/pub-mismatch',
      `public key file ${pubPath} (${fingerprintSha256(pubKey)}) does not match key file ${privatePath} (${fingerprintSha256(key.publicKey)}); ${fix}`,
      { path: pubPath },
    );
  }
}

export interface LoadOptions {
  /** Compare `<path>.pub` (when it exists) with the private key. Default true. */
  checkPub?: boolean;
}

/**
 * Reads and parses the key Ollama would sign with. Every failure is a KeyError whose code names the kind
 * of failure (key/missing, key/empty, key/not-a-key, key/passphrase-protected, key/unsupported-type,
 * key/pub-mismatch, key/unreadable) and whose message names the file.
 */
export function loadOllamaKey(keyPath?: string, options: LoadOptions = {}): OllamaKey {
  const file = keyPath ?? defaultKeyPath();
  const key = ollamaKeyFromText(readText(file, 'key file'), { path: file });
  if (options.checkPub ?? true) checkPublicKeyFile(file, key);
  return key;
}
