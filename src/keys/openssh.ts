/**
 * The `openssh-key-v1` private key format (openssh-portable PROTOCOL.key), Ed25519 only, in plain
 * TypeScript. Layout (all SSH wire values):
 *   "openssh-key-v1\0"  string ciphername  string kdfname  string kdfoptions  uint32 nkeys(=1)
 *   string publickey-blob
 *   string private-section:
 *     uint32 checkint  uint32 checkint  string "ssh-ed25519"  string pub(32)  string seed‖pub(64)
 *     string comment  padding 1,2,3,… to a multiple of 8
 * Parsing accepts what Go's x/crypto/ssh (Ollama's parser) accepts, with one deliberate extra check: the
 * stored public keys must match the seed. Go does not check it, loads such a file and signs with it, and
 * every signature then fails to verify: better to say so at load time.
 */
import { createHash } from 'node:crypto';
import { KeyError, type KeySource, notAKeyError as corrupt, passphraseProtectedError, printable, unsupportedTypeError } from './errors.js';
import { publicKeyFromSeed, SEED_LENGTH } from './key.js';
import { decodePem, encodePem } from './pem.js';
import { SSH_ED25519, SshReader, SshShortRead, SshWriter, sshPublicKeyBlob } from '../protocol/ssh-wire.js';

export const OPENSSH_PEM_TYPE = 'OPENSSH PRIVATE KEY';
const OPENSSH_MAGIC = 'openssh-key-v1\0';
const MAGIC_BYTES = new TextEncoder().encode(OPENSSH_MAGIC);
const PADDING_BLOCK = 8; // x/crypto's unencryptedOpenSSHMarshaler pads to 8, like ssh-keygen for cipher none

/** Key types Go loads (and Ollama would sign with) although every Ollama verifier wants ssh-ed25519. */
const GO_LOADS = new Set(['ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

function unsupportedType(source: KeySource, type: string, ollamaSays: string | undefined, extra = ''): KeyError {
  return unsupportedTypeError(source, JSON.stringify(printable(type)), { goLoads: GO_LOADS.has(type), ollamaSays, extra });
}

export interface OpenSshEd25519Key {
  seed: Uint8Array;
  publicKey: Uint8Array;
  comment: string;
  checkInt: number;
}

export interface EncodeOptions {
  /** Stored in the private section; Ollama writes "" (ssh.MarshalPrivateKey(key, "")). */
  comment?: string;
  /**
   * The two equal check ints. Go picks them at random; they only detect a wrong passphrase on encrypted
   * keys, so for cipher `none` any value is as good. Default: derived from the seed (see checkIntFromSeed),
   * which keeps encoding a pure function and a fixed seed's file byte-reproducible.
   */
  checkInt?: number;
}

/**
 * First 4 bytes (big-endian) of SHA-256 over a label and the seed. Hashed rather than copied from the seed
 * so the file never carries seed bytes in a second place (and the label keeps the value specific to this use).
 */
export function checkIntFromSeed(seed: Uint8Array): number {
  const digest = createHash('sha256').update('ollama-auth-conformance openssh checkint\0').update(seed).digest();
  return digest.readUInt32BE(0);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The binary key (what goes inside the PEM armour), laid out exactly as x/crypto's marshalOpenSSHPrivateKey. */
export function encodeOpenSshPrivateKeyBlob(seed: Uint8Array, publicKey: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  const derived = publicKeyFromSeed(seed);
  if (!sameBytes(derived, publicKey)) {
    // Writing such a file would produce a key whose every signature fails: refuse instead.
    throw new KeyError('key/invalid-seed', 'the public key given does not belong to the seed (Ed25519 derivation differs)');
  }
  const checkInt = options.checkInt ?? checkIntFromSeed(seed);
  const priv = new Uint8Array(64);
  priv.set(seed, 0);
  priv.set(publicKey, 32);
  const section = new SshWriter()
    .uint32(checkInt)
    .uint32(checkInt)
    .string(SSH_ED25519)
    .string(publicKey)
    .string(priv)
    .string(options.comment ?? '')
    .bytes();
  const padLength = (PADDING_BLOCK - (section.length % PADDING_BLOCK)) % PADDING_BLOCK;
  const padded = new Uint8Array(section.length + padLength);
  padded.set(section);
  for (let i = 0; i < padLength; i++) padded[section.length + i] = i + 1;
  return new SshWriter()
    .raw(MAGIC_BYTES)
    .string('none') // ciphername
    .string('none') // kdfname
    .string('') // kdfoptions
    .uint32(1)
    .string(sshPublicKeyBlob(publicKey))
    .string(padded)
    .bytes();
}

/** The file Ollama's initializeKeypair writes: pem.EncodeToMemory(ssh.MarshalPrivateKey(key, "")). */
export function encodeOpenSshPrivateKey(seed: Uint8Array, publicKey: Uint8Array, options: EncodeOptions = {}): string {
  return encodePem(OPENSSH_PEM_TYPE, encodeOpenSshPrivateKeyBlob(seed, publicKey, options));
}

/** Runs a step of the parse; a short read becomes a "truncated" error with Go's wording for that step. */
function read<T>(source: KeySource, ollamaSays: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof SshShortRead) throw corrupt(source, `truncated (${err.message})`, ollamaSays);
    throw err;
  }
}

/** Parses the binary key (after PEM decoding). `source` only names the file in error messages. */
export function parseOpenSshPrivateKeyBlob(bytes: Uint8Array, source: KeySource = {}): OpenSshEd25519Key {
  if (bytes.length < MAGIC_BYTES.length || !sameBytes(bytes.subarray(0, MAGIC_BYTES.length), MAGIC_BYTES)) {
    throw corrupt(source, 'the decoded body does not start with "openssh-key-v1\\0"', 'ssh: invalid openssh private key format');
  }
  const outer = new SshReader(bytes.subarray(MAGIC_BYTES.length));
  const header = read(source, 'ssh: short read', () => ({
    cipher: outer.text('ciphername'),
    kdf: outer.text('kdfname'),
    kdfOptions: outer.string('kdfoptions'),
    numKeys: outer.uint32('number of keys'),
    publicBlob: outer.string('public key'),
    section: outer.string('private section'),
    // Anything after the private section is ignored, as Go does (its struct ends in `ssh:"rest"`).
  }));
  if (header.numKeys !== 1) {
    throw corrupt(source, `it holds ${header.numKeys} keys, not 1`, 'ssh: multi-key files are not supported');
  }
  // The public key blob is never encrypted: its type names the key even in a passphrase-protected file.
  let publicType: string | undefined;
  try {
    publicType = new SshReader(header.publicBlob).text('public key type');
  } catch {
    publicType = undefined;
  }
  if (header.cipher !== 'none' || header.kdf !== 'none') {
    const how = ` (cipher ${JSON.stringify(printable(header.cipher))}, kdf ${JSON.stringify(printable(header.kdf))})`;
    if (publicType !== undefined && publicType !== SSH_ED25519) {
      // Decrypting would not help: say the more fundamental problem first.
      throw unsupportedType(source, publicType, 'ssh: this private key is passphrase protected', ', passphrase-protected too');
    }
    throw passphraseProtectedError(source, how);
  }
  if (header.kdfOptions.length !== 0) {
    throw corrupt(source, 'cipher "none" with non-empty kdf options', 'ssh: invalid openssh private key');
  }

  const section = new SshReader(header.section);
  const [check1, check2, keyType] = read(source, 'ssh: malformed OpenSSH key', () => [
    section.uint32('check int'),
    section.uint32('check int'),
    section.text('key type'),
  ] as const);
  if (check1 !== check2) {
    throw corrupt(source, `the two check ints differ (0x${check1.toString(16)} vs 0x${check2.toString(16)})`, 'ssh: malformed OpenSSH key');
  }
  if (keyType !== SSH_ED25519) {
    throw unsupportedType(source, keyType, GO_LOADS.has(keyType) ? undefined : 'ssh: unhandled key type');
  }
  const { pub, priv, comment, padding } = read(source, 'ssh: short read', () => ({
    pub: section.string('public key'),
    priv: section.string('private key'),
    // UTF-8, as encodeOpenSshPrivateKey and ssh-keygen -C (in a UTF-8 locale) write it; `text` is Latin-1,
    // which turned a non-ASCII comment ("jöhn@host") into mojibake (found by test/property/keys.test.ts).
    comment: Buffer.from(section.string('comment')).toString('utf8'),
    padding: section.rest(),
  }));
  if (priv.length !== 64) {
    throw corrupt(source, `the Ed25519 private key is ${priv.length} bytes, not 64 (seed ‖ public key)`, 'ssh: private key unexpected length');
  }
  if (!padding.every((b, i) => b === i + 1)) {
    throw corrupt(source, 'the padding after the comment is not 1, 2, 3, …', 'ssh: padding not as expected');
  }
  const seed = new Uint8Array(priv.subarray(0, SEED_LENGTH));
  const derived = publicKeyFromSeed(seed);
  if (!sameBytes(pub, derived) || !sameBytes(priv.subarray(32), derived) || !sameBytes(header.publicBlob, sshPublicKeyBlob(derived))) {
    throw corrupt(
      source,
      'the public key stored in it does not match the one derived from its seed (corrupt or hand-edited); Ollama would load it and send signatures no server can verify',
      undefined,
    );
  }
  return { seed, publicKey: derived, comment, checkInt: check1 };
}

/** Parses the PEM text of an OpenSSH private key (the whole `id_ed25519` file). */
export function parseOpenSshPrivateKey(text: string, source: KeySource = {}): OpenSshEd25519Key {
  const decoded = decodePem(text);
  if (decoded.block === undefined) {
    throw corrupt(source, decoded.failure, 'ssh: no key found');
  }
  if (decoded.block.type !== OPENSSH_PEM_TYPE) {
    throw corrupt(source, `it is a "${printable(decoded.block.type)}" PEM block, not "${OPENSSH_PEM_TYPE}"`, undefined);
  }
  return parseOpenSshPrivateKeyBlob(decoded.block.bytes, source);
}
