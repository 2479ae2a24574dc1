/** Ollama's identity key: reading, writing, signing, and the public-key forms Ollama puts on the wire. */
export { KeyError } from './errors.js';
export { keyFromSeed, publicKeyFromSeed, type OllamaKey } from './key.js';
export {
  sshPublicKeyBlob, publicKeyField, authorizedKeyLine, decodePublicKeyField, parseAuthorizedKeyLine, SSH_ED25519,
} from '../protocol/ssh-wire.js';
export { encodeOpenSshPrivateKey } from './openssh.js';
export { defaultKeyPath, loadOllamaKey, OLLAMA_DIR, PRIVATE_KEY_NAME } from './load.js';
export { generateOllamaKey, ollamaKeyFiles, writeOllamaKeyFiles, type OllamaKeyFiles } from './generate.js';
export { TEST_SEED } from './test-seed.js';
