/** Ollama's identity key: reading, writing, signing, and the public-key forms Ollama puts on the wire. */
export {
  KeyError,
  type KeyErrorCode,
  type KeySource,
} from './errors.js';
export {
  keyFromSeed,
  publicKeyFromSeed,
  signWithSeed,
  SEED_LENGTH,
  SIGNATURE_LENGTH,
  type OllamaKey,
} from './key.js';
export {
  sshPublicKeyBlob,
  publicKeyField,
  authorizedKeyLine,
  decodePublicKeyField,
  parseAuthorizedKeyLine,
  fingerprintSha256,
  SSH_ED25519,
  PUBLIC_KEY_BLOB_LENGTH,
  PUBLIC_KEY_FIELD_LENGTH,
  PUBLIC_KEY_FIELD_PREFIX,
  type PublicKeyFieldErrorCode,
} from '../protocol/ssh-wire.js';
export {
  encodeOpenSshPrivateKey,
  encodeOpenSshPrivateKeyBlob,
  parseOpenSshPrivateKey,
  parseOpenSshPrivateKeyBlob,
  checkIntFromSeed,
  OPENSSH_PEM_TYPE,
  type EncodeOptions,
  type OpenSshEd25519Key,
} from './openssh.js';
export { parsePrivateKey, ollamaKeyFromText, type KeyFormat, type ParsedPrivateKey } from './parse.js';
export { defaultKeyPath, loadOllamaKey, OLLAMA_DIR, PRIVATE_KEY_NAME, type LoadOptions } from './load.js';
export { generateOllamaKey, type GenerateOptions, type GeneratedKey } from './generate.js';
export { TEST_SEED } from './test-seed.js';
