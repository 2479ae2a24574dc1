/**
 * `Authorization: <A>:<B>` (registry token request, S1/S2/S6/S7) or `Bearer <A>:<B>` (S3/S4/S5),
 * where A is the 68-char SSH public-key field and B the std-base64 raw 64-byte signature (docs/protocol.md §0.1).
 */
import { ProtocolError } from '../errors.js';
import { credentialShape } from '../redaction/index.js';
import { decodePublicKeyField } from './ssh-wire.js';

export type AuthorizationForm = 'raw' | 'bearer';

export const AUTHORIZATION_SHAPE = /^[A-Za-z0-9+/]{68}:[A-Za-z0-9+/]{86}==$/;

export function formatAuthorization(publicKeyField: string, signature: Uint8Array, form: AuthorizationForm = 'raw'): string {
  const value = `${publicKeyField}:${Buffer.from(signature).toString('base64')}`;
  return form === 'bearer' ? `Bearer ${value}` : value;
}

export interface ParsedAuthorization {
  form: AuthorizationForm;
  publicKeyField: string;
  signatureField: string;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SSH_SIG_PREFIX = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519')]);

/** Split and decode an Authorization value; every way it can be wrong has its own code and says what was seen. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (value === undefined || value.trim() === '') {
    throw new ProtocolError('authorization/missing', 'no Authorization header: expected "<pubkey>:<signature>"');
  }
  let form: AuthorizationForm = 'raw';
  let rest = value;
  if (/^bearer /i.test(rest)) {
    form = 'bearer';
    rest = rest.slice(7);
  }
  const colon = rest.indexOf(':');
  if (colon === -1) {
    throw new ProtocolError('authorization/shape', `Authorization ${credentialShape(value)} is not "<pubkey>:<signature>" (no ":")`);
  }
  const publicKeyField = rest.slice(0, colon);
  const signatureField = rest.slice(colon + 1);
  let publicKey: Uint8Array;
  try {
    publicKey = decodePublicKeyField(publicKeyField);
  } catch (err) {
    const raw32 = STD_BASE64.test(publicKeyField) && Buffer.from(publicKeyField, 'base64').length === 32;
    const hint = raw32
      ? 'it is the raw 32-byte key; send the SSH wire blob (68 chars, "AAAAC3NzaC1lZDI1NTE5AAAAI…", the .pub file\'s second field)'
      : (err as Error).message;
    throw new ProtocolError('authorization/pubkey', `public-key field (${publicKeyField.length} chars) is not an ssh-ed25519 key blob: ${hint}`, { cause: err });
  }
  if (!STD_BASE64.test(signatureField) || signatureField.length % 4 !== 0) {
    throw new ProtocolError('authorization/signature', `signature field is not padded standard base64 (${signatureField.length} chars)`);
  }
  const signature = Buffer.from(signatureField, 'base64');
  if (signature.length !== 64) {
    const sshBlob = signature.length > SSH_SIG_PREFIX.length && signature.subarray(0, SSH_SIG_PREFIX.length).equals(SSH_SIG_PREFIX);
    const hint = sshBlob
      ? 'it is the SSH signature wire blob (string "ssh-ed25519" + string sig); send only the raw 64-byte signature'
      : 'expected exactly 64 raw bytes (88 base64 chars ending in "==")';
    throw new ProtocolError('authorization/signature', `signature field decodes to ${signature.length} bytes: ${hint}`);
  }
  return { form, publicKeyField, signatureField, publicKey, signature: new Uint8Array(signature) };
}

