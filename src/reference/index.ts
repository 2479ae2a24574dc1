/**
 * The reference client: every Ollama auth flow over real HTTP, byte-exact with Ollama on the wire and
 * stricter where docs/protocol.md says a correct client should be. Built only on src/protocol and src/keys.
 */
export { sendRequest, type HttpResponse, type HttpOptions, type TlsOptions } from './http.js';
export { registryRequest, type RegistryResult } from './registry.js';
export { signedRequest, whoami, listTags, chat } from './direct.js';
export { apiKeyRequest } from './apikey.js';
export { basicRequest } from './basic.js';
export { type KeySource } from './key-source.js';
