/**
 * The emulator's allow-list, in the format the unmerged reference verifier uses (docs/protocol.md §2.4):
 * authorized_keys-style lines `ssh-ed25519 <field> [comment]`. Stored as the set of `<field>`s, which
 * is exactly the `<A>` a client puts in `Authorization: <A>:<B>`.
 */
import { readFileSync } from 'node:fs';
import { OacError } from '../errors.js';
import { decodePublicKeyField, parseAuthorizedKeyLine, publicKeyField, SSH_ED25519 } from '../keys/index.js';

/** One public-key field per non-blank, non-`#` line. Throws `emulator/bad-authorized-keys` naming the line. */
export function parseAuthorizedKeys(text: string, source = 'authorized keys'): Set<string> {
  const fields = new Set<string>();
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    try {
      fields.add(publicKeyField(parseAuthorizedKeyLine(trimmed).publicKey));
    } catch (err) {
      throw new OacError('emulator/bad-authorized-keys',
        `${source} line ${index + 1}: expected "${SSH_ED25519} <base64> [comment]": ${(err as Error).message}`, { cause: err });
    }
  });
  return fields;
}

export function loadAuthorizedKeys(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OacError('emulator/bad-authorized-keys', `cannot read authorized keys file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseAuthorizedKeys(text, path);
}

/**
 * Accepts a bare field (`AAAAC3Nza…`) or a whole line (`ssh-ed25519 AAAAC3Nza… comment`) and returns the
 * canonical field, so options can be given either way. Throws `emulator/bad-authorized-keys`.
 */
export function normaliseAuthorizedKey(entry: string): string {
  const trimmed = entry.trim();
  if (trimmed.startsWith(`${SSH_ED25519} `)) return parseAuthorizedKeys(trimmed).values().next().value!;
  try {
    return publicKeyField(decodePublicKeyField(trimmed));
  } catch (err) {
    throw new OacError('emulator/bad-authorized-keys', `authorized key entry is not an ssh-ed25519 key: ${(err as Error).message}`, { cause: err });
  }
}
