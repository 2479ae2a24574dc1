/**
 * An RSA key written where Ollama looks for its Ed25519 key (`<home>/.ollama/id_ed25519`), made by
 * ssh-keygen, and its public key as node:crypto sees it: the tests of F-17b (auth.Sign signs with any key
 * x/crypto parses) verify the RSA signature a client sent with this independent verifier.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RsaHome {
  home: string;
  /** The `.pub` file's base64 field: the ssh-rsa wire blob a client sends as A. */
  field: string;
  publicKey: KeyObject;
}

export function makeRsaHome(home: string): RsaHome {
  mkdirSync(join(home, '.ollama'), { recursive: true });
  const keyPath = join(home, '.ollama', 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', '', '-f', keyPath]);
  const field = readFileSync(`${keyPath}.pub`, 'utf8').trim().split(' ')[1]!;
  // ssh-rsa blob: string "ssh-rsa", mpint e, mpint n.
  const blob = Buffer.from(field, 'base64');
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    const size = blob.readUInt32BE(at);
    parts.push(blob.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  if (parts[0]?.toString() !== 'ssh-rsa') throw new Error(`ssh-keygen wrote a ${parts[0]?.toString()} key, not ssh-rsa`);
  const unsigned = (b: Buffer): string => (b[0] === 0 ? b.subarray(1) : b).toString('base64url');
  const publicKey = createPublicKey({ key: { kty: 'RSA', e: unsigned(parts[1]!), n: unsigned(parts[2]!) }, format: 'jwk' });
  return { home, field, publicKey };
}
