/**
 * Text of a key file → Ed25519 seed, dispatching on the PEM type the way Go's ssh.ParseRawPrivateKey
 * does, so a file is accepted here exactly when Ollama would sign with an Ed25519 key from it, and every
 * other file gets the error code (and Ollama's own wording) for its kind of failure. Pure: no I/O.
 */
import {
  type KeySource,
  emptyKeyError,
  notAKeyError,
  passphraseProtectedError,
  printable,
  unsupportedTypeError,
} from './errors.js';
import { keyFromSeed, type OllamaKey } from './key.js';
import { OPENSSH_PEM_TYPE, parseOpenSshPrivateKeyBlob } from './openssh.js';
import { decodePem } from './pem.js';
import { parsePkcs8PrivateKey } from './pkcs8.js';

type KeyFormat = 'openssh' | 'pkcs8';

export interface ParsedPrivateKey {
  seed: Uint8Array;
  publicKey: Uint8Array;
  format: KeyFormat;
  /** The OpenSSH comment ("" for Ollama's keys, `user@host` for ssh-keygen's); "" for PKCS#8. */
  comment: string;
}

/** Legacy PEM types Go parses into RSA/ECDSA/DSA keys (and Ollama would sign with). */
const LEGACY_PEM: Record<string, string> = {
  'RSA PRIVATE KEY': 'RSA (PKCS#1 "RSA PRIVATE KEY")',
  'EC PRIVATE KEY': 'ECDSA (SEC 1 "EC PRIVATE KEY")',
  'DSA PRIVATE KEY': 'DSA ("DSA PRIVATE KEY")',
};

/** Hints for the files people most often put in place of the private key. */
function noPemHint(text: string): string | undefined {
  const start = text.trimStart();
  if (/^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-\S+|sk-\S+)\s+AAAA/.test(start)) {
    return 'it is a public key line (the .pub file?), not the private key';
  }
  if (start.startsWith('PuTTY-User-Key-File')) {
    return 'it is a PuTTY .ppk key; export it in OpenSSH format (puttygen key.ppk -O private-openssh-new)';
  }
  if (start.startsWith('---- BEGIN SSH2 ')) return 'it is an RFC 4716 (SSH2) public key, not a private key';
  return undefined;
}

export function parsePrivateKey(text: string, source: KeySource = {}): ParsedPrivateKey {
  if (text.trim() === '') throw emptyKeyError(source);
  const decoded = decodePem(text);
  if (decoded.block === undefined) {
    throw notAKeyError(source, noPemHint(text) ?? decoded.failure, 'ssh: no key found');
  }
  const { type, headers, bytes } = decoded.block;
  // Checked before the type, as Go does (ParseRawPrivateKey: encryptedBlock first).
  if ((headers['Proc-Type'] ?? '').includes('ENCRYPTED')) {
    const dek = headers['DEK-Info'] === undefined ? '' : `, ${printable(headers['DEK-Info'].split(',')[0] ?? '')}`;
    throw passphraseProtectedError(source, ` (legacy PEM encryption${dek})`);
  }
  switch (type) {
    case OPENSSH_PEM_TYPE: {
      const key = parseOpenSshPrivateKeyBlob(bytes, source);
      return { seed: key.seed, publicKey: key.publicKey, format: 'openssh', comment: key.comment };
    }
    case 'PRIVATE KEY': {
      const key = parsePkcs8PrivateKey(bytes, source);
      return { ...key, format: 'pkcs8', comment: '' };
    }
    case 'ENCRYPTED PRIVATE KEY':
      // Go has no case for it and reports the PEM type as unsupported; the user's fix is the same as for
      // any encrypted key, so say that.
      throw passphraseProtectedError(source, ' (encrypted PKCS#8)', 'ssh: unsupported key type "ENCRYPTED PRIVATE KEY"');
    default: {
      const legacy = LEGACY_PEM[type];
      if (legacy !== undefined) throw unsupportedTypeError(source, legacy, { goLoads: true });
      throw notAKeyError(
        source,
        `it holds a "${printable(type)}" PEM block, not a private key ("-----BEGIN OPENSSH " + "PRIVATE KEY-----")`,
        `ssh: unsupported key type "${printable(type)}"`,
      );
    }
  }
}

/** parsePrivateKey + keyFromSeed: the OllamaKey a key file's text gives (no I/O; `source.path` is recorded). */
export function ollamaKeyFromText(text: string, source: KeySource = {}): OllamaKey {
  const parsed = parsePrivateKey(text, source);
  return keyFromSeed(parsed.seed, source.path === undefined ? {} : { path: source.path });
}
