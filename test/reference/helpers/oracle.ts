/**
 * The tests' independent judge of what the reference client sent: rebuilds the strings Ollama signs from
 * the request as received and verifies the signature with node:crypto (not @noble, not src/protocol).
 * Also the loopback-only name resolution that keeps real host names (ollama.com) on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { nodeVerify } from '../../helpers/node-crypto-oracle.js';

const SSH_ED25519_BLOB_PREFIX = Buffer.concat([
  Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]),
]);

/** base64 of the hex SHA-256 of the empty body (docs/protocol.md §1.4), computed here with node:crypto. */
export const EMPTY_BODY_FIELD = Buffer.from(createHash('sha256').update(Buffer.alloc(0)).digest('hex'), 'utf8').toString('base64');

export interface Verdict {
  ok: boolean;
  form: 'raw' | 'bearer';
  /** The raw 32-byte public key the header names. */
  publicKey: Buffer;
  why?: string;
}

/** Verify `<A>:<B>` or `Bearer <A>:<B>` over `signedString`. */
export function verifyOllamaAuthorization(value: string | undefined, signedString: string): Verdict {
  const empty = { ok: false, form: 'raw' as const, publicKey: Buffer.alloc(0) };
  if (value === undefined) return { ...empty, why: 'no Authorization header' };
  const form = value.startsWith('Bearer ') ? 'bearer' : 'raw';
  const rest = form === 'bearer' ? value.slice(7) : value;
  const colon = rest.indexOf(':');
  if (colon === -1) return { ...empty, form, why: 'no ":"' };
  const blob = Buffer.from(rest.slice(0, colon), 'base64');
  if (blob.length !== 51 || !blob.subarray(0, 19).equals(SSH_ED25519_BLOB_PREFIX)) {
    return { ...empty, form, why: `public-key field is not an ssh-ed25519 blob (${blob.length} bytes)` };
  }
  const publicKey = blob.subarray(19);
  const sig = Buffer.from(rest.slice(colon + 1), 'base64');
  if (sig.length !== 64) return { ok: false, form, publicKey, why: `signature is ${sig.length} bytes` };
  const ok = nodeVerify(publicKey, Buffer.from(signedString, 'utf8'), sig);
  return ok ? { ok, form, publicKey } : { ok, form, publicKey, why: `signature does not verify over ${JSON.stringify(signedString)}` };
}

/** `GET,<absolute token URL>,<empty-body hash>`. */
export function registrySignedStringFor(absoluteTokenUrl: string): string {
  return `GET,${absoluteTokenUrl},${EMPTY_BODY_FIELD}`;
}

/** Resolves every name to 127.0.0.1 (both callback shapes node uses), so a test can never leave loopback. */
export const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  void hostname;
  if (typeof options === 'object' && options !== null && 'all' in options && options.all) {
    (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  } else {
    callback(null, '127.0.0.1', 4);
  }
};

/** connectTo for `https://<name>` (port 443) → 127.0.0.1:<port>, like curl --connect-to. */
export function connectAllTo(port: number) {
  return (host: string, urlPort: number) => (urlPort === 443 || urlPort === 80 ? { host: '127.0.0.1', port } : { host, port: urlPort });
}
