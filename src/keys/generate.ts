/**
 * Writing a key the way Ollama's initializeKeypair does (cmd/cmd.go@fb30760 L2033-2077, docs/protocol.md §5):
 *   MkdirAll(<home>/.ollama, 0755)
 *   <home>/.ollama/id_ed25519      0600  pem.EncodeToMemory(ssh.MarshalPrivateKey(key, ""))
 *   <home>/.ollama/id_ed25519.pub  0644  ssh.MarshalAuthorizedKey(pub) = "ssh-ed25519 <68 chars>\n"
 * Modes are given at creation, so the process umask applies, as it does to Go's os.WriteFile.
 * One deliberate difference: Ollama overwrites a stray .pub; we never overwrite anything, because a key
 * file may be an identity registered on ollama.com and there is no undo.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyError, errorMessage } from './errors.js';
import { keyAtPath, keyFromSeed, type OllamaKey } from './key.js';
import { OLLAMA_DIR, PRIVATE_KEY_NAME } from './load.js';
import { checkIntFromSeed, encodeOpenSshPrivateKey } from './openssh.js';

export interface GenerateOptions {
  /** The home directory: files go to `<home>/.ollama/`. */
  home: string;
  /**
   * A fixed 32-byte seed (tests, reproducible fixtures). With a seed the check ints are derived from it
   * too (checkIntFromSeed), so the same seed writes byte-identical files; without one, both are random.
   */
  seed?: Uint8Array;
}

export interface GeneratedKey {
  privatePath: string;
  publicPath: string;
  key: OllamaKey;
  created: true;
}

function exists(file: string): boolean {
  // lstat, not stat: a dangling symlink at the key path is "something is there" too; writing through it
  // would create a file wherever it points.
  try {
    return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    // ENOTDIR: a path component is a file, so nothing exists here; mkdir will then report the real problem.
    if (errnoCode(err) === 'ENOTDIR') return false;
    throw writeError(file, err);
  }
}

function existsError(file: string, what: string, cause?: unknown): KeyError {
  return new KeyError(
    'key/exists',
    `${what} ${file} already exists; refusing to overwrite it (it may be an identity registered on ollama.com): use it as it is, or move it away first`,
    { path: file, cause },
  );
}

function writeError(file: string, err: unknown): KeyError {
  const reason = errorMessage(err);
  return new KeyError('key/unwritable', `cannot write ${file}: ${reason}`, { path: file, cause: err });
}

function errnoCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

function isEexist(err: unknown): boolean {
  return errnoCode(err) === 'EEXIST';
}

/** `flag: 'wx'` (O_CREAT|O_EXCL): even a file created between our check and our write is never clobbered. */
function writeNew(file: string, content: string, mode: number, what: string): void {
  try {
    writeFileSync(file, content, { mode, flag: 'wx' });
  } catch (err) {
    throw isEexist(err) ? existsError(file, what, err) : writeError(file, err);
  }
}

/**
 * What generateOllamaKey writes for one seed, computed once: deriving the public key is the costly part,
 * and `oac check` writes the same registered key into a fresh HOME for every scenario.
 */
export interface OllamaKeyFiles {
  readonly key: OllamaKey;
  /** `<home>/.ollama/id_ed25519`: the OpenSSH PEM. */
  readonly privatePem: string;
  /** `<home>/.ollama/id_ed25519.pub`: the authorized-key line and its newline. */
  readonly publicText: string;
}

/** The files of a key from `seed` (check int derived from it, so byte-identical), or of a random key. */
export function ollamaKeyFiles(seed?: Uint8Array): OllamaKeyFiles {
  const ownSeed = seed ?? new Uint8Array(randomBytes(32));
  const key = keyFromSeed(ownSeed);
  const checkInt = seed === undefined ? randomBytes(4).readUInt32BE(0) : checkIntFromSeed(ownSeed);
  return { key, privatePem: encodeOpenSshPrivateKey(ownSeed, key.publicKey, { checkInt }), publicText: `${key.authorizedKeyLine}\n` };
}

/** Writes made key files into `<home>/.ollama/`, with the modes and the no-overwrite rule of generateOllamaKey. */
export function writeOllamaKeyFiles(home: string, files: OllamaKeyFiles): GeneratedKey {
  const dir = path.join(home, OLLAMA_DIR);
  const privatePath = path.join(dir, PRIVATE_KEY_NAME);
  const publicPath = `${privatePath}.pub`;
  // Both checked before anything is written, so a refusal leaves the directory exactly as it was.
  if (exists(privatePath)) throw existsError(privatePath, 'key file');
  if (exists(publicPath)) throw existsError(publicPath, 'public key file');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw writeError(dir, err);
  }
  writeNew(privatePath, files.privatePem, 0o600, 'key file');
  try {
    writeNew(publicPath, files.publicText, 0o644, 'public key file');
  } catch (err) {
    // We created the private key an instant ago (O_EXCL) and nobody has used it: remove it so that the
    // failure leaves no half-written identity behind and a retry starts clean.
    try {
      unlinkSync(privatePath);
    } catch {
      // Best effort: the error that matters is the one being thrown.
    }
    throw err;
  }
  return { privatePath, publicPath, key: keyAtPath(files.key, privatePath), created: true };
}

export function generateOllamaKey(options: GenerateOptions): GeneratedKey {
  return writeOllamaKeyFiles(options.home, ollamaKeyFiles(options.seed));
}
