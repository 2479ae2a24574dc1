/**
 * SSH wire encoding (RFC 4251 §5) as far as Ollama's keys need it, and the public-key forms Ollama
 * puts on the wire (docs/protocol.md §0.1):
 *   blob  = uint32(11) "ssh-ed25519" uint32(32) <key>          51 bytes
 *   field = std base64(blob)                                     68 chars, "AAAAC3NzaC1lZDI1NTE5AAAAI…"
 *   line  = "ssh-ed25519 " + field                               the .pub file is line + "\n" (81 bytes)
 * The decoder lives here too because the server side (verifier, emulator) must take the field apart
 * exactly as the client put it together.
 */
import { createHash } from 'node:crypto';
import { ProtocolError } from '../errors.js';

export const SSH_ED25519 = 'ssh-ed25519';
const ED25519_KEY_LENGTH = 32;
const PUBLIC_KEY_BLOB_LENGTH = 4 + SSH_ED25519.length + 4 + ED25519_KEY_LENGTH; // 51
const PUBLIC_KEY_FIELD_LENGTH = 68;
/** Every ssh-ed25519 field starts with this: it is the base64 of the fixed 19-byte header plus 2 key bits. */
const PUBLIC_KEY_FIELD_PREFIX = 'AAAAC3NzaC1lZDI1NTE5AAAAI';

const utf8 = new TextEncoder();

/** Appends SSH wire values; `bytes()` returns them concatenated. */
export class SshWriter {
  private readonly parts: Uint8Array[] = [];

  uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`uint32 out of range: ${value}`);
    }
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, false);
    this.parts.push(b);
    return this;
  }

  /** An SSH `string`: uint32 length + bytes (text is written as UTF-8). */
  string(value: Uint8Array | string): this {
    const b = typeof value === 'string' ? utf8.encode(value) : value;
    this.uint32(b.length);
    this.parts.push(b);
    return this;
  }

  raw(value: Uint8Array): this {
    this.parts.push(value);
    return this;
  }

  bytes(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

/** Raised by SshReader when the data ends before a value does; callers turn it into their own error. */
export class SshShortRead extends Error {}

/** Reads SSH wire values from a buffer; never reads past its end (throws SshShortRead instead). */
export class SshReader {
  private offset = 0;
  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  uint32(what: string): number {
    const b = this.take(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }

  string(what: string): Uint8Array {
    const length = this.uint32(`length of ${what}`);
    return this.take(length, what);
  }

  /** A string decoded as text. Latin-1, not UTF-8, so odd bytes stay visible (and 1:1) in messages. */
  text(what: string): string {
    return Buffer.from(this.string(what)).toString('latin1');
  }

  rest(): Uint8Array {
    return this.take(this.remaining, 'rest');
  }

  private take(n: number, what: string): Uint8Array {
    if (n > this.remaining) {
      throw new SshShortRead(`${what} needs ${n} bytes at offset ${this.offset}, only ${this.remaining} left`);
    }
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function checkKeyLength(publicKey: Uint8Array): void {
  if (publicKey.length !== ED25519_KEY_LENGTH) {
    throw new RangeError(`an Ed25519 public key is ${ED25519_KEY_LENGTH} bytes, got ${publicKey.length}`);
  }
}

/** `uint32(11) "ssh-ed25519" uint32(32) key`: 51 bytes, what ssh.Marshal(PublicKey) gives in Go. */
export function sshPublicKeyBlob(publicKey: Uint8Array): Uint8Array {
  checkKeyLength(publicKey);
  return new SshWriter().string(SSH_ED25519).string(publicKey).bytes();
}

/** The `<A>` of `<A>:<B>`: std base64 of the blob, 68 chars, no `ssh-ed25519 ` prefix. */
export function publicKeyField(publicKey: Uint8Array): string {
  return Buffer.from(sshPublicKeyBlob(publicKey)).toString('base64');
}

/** `ssh-ed25519 <field>` without newline (auth.GetPublicKey, sign-in URLs); the .pub file adds "\n". */
export function authorizedKeyLine(publicKey: Uint8Array): string {
  return `${SSH_ED25519} ${publicKeyField(publicKey)}`;
}

/**
 * `SHA256:<base64, no padding>` of the blob: what `ssh-keygen -l` prints and what ollama.com's key list
 * shows, so a user can tell two keys apart without comparing 68-char strings.
 */
export function fingerprintSha256(publicKey: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(sshPublicKeyBlob(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

type PublicKeyFieldErrorCode =
  | 'pubkey/not-base64'
  | 'pubkey/wrong-length'
  | 'pubkey/wrong-type'
  | 'pubkey/trailing-bytes'
  | 'pubkey/malformed-line';

function fieldError(code: PublicKeyFieldErrorCode, detail: string): ProtocolError {
  return new ProtocolError(code, `public-key field ${detail}`);
}

/** Printable, bounded rendering of a key-type string taken from untrusted bytes. */
function showType(type: string): string {
  const clean = type.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const EXPECTED = `expected ${PUBLIC_KEY_FIELD_LENGTH} chars of standard base64 starting "${PUBLIC_KEY_FIELD_PREFIX}" (the .pub file's second field)`;

/**
 * Inverse of publicKeyField: the 32-byte key, or a ProtocolError whose code says which way the field is
 * wrong. Messages never echo the field itself (a confused client may have put a secret there).
 * As strict as Go's ssh.ParsePublicKey (which the reference verifier uses): std alphabet with padding,
 * key type exactly "ssh-ed25519", a 32-byte key and nothing after it.
 */
export function decodePublicKeyField(field: string): Uint8Array {
  if (field.startsWith(`${SSH_ED25519} `)) {
    throw fieldError('pubkey/not-base64', `starts with "${SSH_ED25519} ": send only the base64 part, without the key type word`);
  }
  if (!STD_BASE64.test(field)) {
    const hint = /[-_]/.test(field)
      ? 'it uses the base64url alphabet ("-" or "_"); Ollama uses standard base64 ("+" and "/")'
      : /\s/.test(field)
        ? 'it contains whitespace'
        : 'it contains characters outside the standard base64 alphabet';
    throw fieldError('pubkey/not-base64', `is not standard base64: ${hint}; ${EXPECTED}`);
  }
  if (field.length % 4 !== 0) {
    throw fieldError(
      'pubkey/not-base64',
      `is ${field.length} chars, not a multiple of 4 (base64 padding stripped?); ${EXPECTED}`,
    );
  }
  const blob = new Uint8Array(Buffer.from(field, 'base64'));
  if (blob.length === ED25519_KEY_LENGTH) {
    // The most common client bug: base64 of the raw key (44 chars) instead of the SSH wire blob.
    throw fieldError(
      'pubkey/wrong-length',
      `decodes to 32 bytes (${field.length} chars): that is the raw Ed25519 key; Ollama sends the 51-byte SSH wire blob uint32(11) "ssh-ed25519" uint32(32) key, ${EXPECTED}`,
    );
  }
  const reader = new SshReader(blob);
  let type: string;
  try {
    type = reader.text('key type');
  } catch (err) {
    if (!(err instanceof SshShortRead)) throw err;
    throw fieldError('pubkey/wrong-length', `decodes to ${blob.length} bytes, too short for an SSH key blob: ${err.message}; ${EXPECTED}`);
  }
  if (type !== SSH_ED25519) {
    throw fieldError('pubkey/wrong-type', `holds key type ${showType(type)}; Ollama keys (and every Ollama verifier) are "${SSH_ED25519}"`);
  }
  let key: Uint8Array;
  try {
    key = reader.string('Ed25519 key');
  } catch (err) {
    if (!(err instanceof SshShortRead)) throw err;
    throw fieldError('pubkey/wrong-length', `is a truncated ${SSH_ED25519} blob (${blob.length} bytes): ${err.message}; ${EXPECTED}`);
  }
  if (key.length !== ED25519_KEY_LENGTH) {
    throw fieldError('pubkey/wrong-length', `holds a ${key.length}-byte key; an Ed25519 key is ${ED25519_KEY_LENGTH} bytes`);
  }
  if (reader.remaining > 0) {
    throw fieldError(
      'pubkey/trailing-bytes',
      `has ${reader.remaining} bytes after the 32-byte key (blob is ${blob.length} bytes, expected ${PUBLIC_KEY_BLOB_LENGTH}); Go's ssh.ParsePublicKey rejects this ("ssh: trailing junk in public key")`,
    );
  }
  return new Uint8Array(key);
}

/**
 * A `.pub` / authorized_keys line `ssh-ed25519 <field> [comment]` (no options prefix: Ollama never
 * writes one). The comment is whatever follows the field, ssh-keygen's `user@host` for example.
 */
export function parseAuthorizedKeyLine(line: string): { publicKey: Uint8Array; comment: string } {
  const trimmed = line.trim();
  if (trimmed === '') {
    throw new ProtocolError('pubkey/malformed-line', `public-key line is empty; expected "${SSH_ED25519} <base64>"`);
  }
  if (/[\r\n]/.test(trimmed)) {
    throw new ProtocolError('pubkey/malformed-line', 'public-key line spans several lines; pass one line');
  }
  const [type = '', field, ...commentWords] = trimmed.split(/[ \t]+/);
  const comment = commentWords.join(' ');
  if (type !== SSH_ED25519) {
    throw new ProtocolError('pubkey/wrong-type', `public-key line starts with ${showType(type)}; expected "${SSH_ED25519} <base64>"`);
  }
  if (field === undefined) {
    throw new ProtocolError('pubkey/malformed-line', `public-key line has no base64 field after "${SSH_ED25519}"`);
  }
  return { publicKey: decodePublicKeyField(field), comment };
}
