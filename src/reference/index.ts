/**
 * The reference client: every Ollama auth flow over real HTTP, byte-exact with Ollama on the wire and
 * stricter where docs/protocol.md says a correct client should be. Built only on src/protocol and src/keys.
 */
export {
  sendRequest, displayUrl, headerValue, mergeHeaders, joinUrl, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_REDIRECTS, DEFAULT_USER_AGENT,
  type HttpRequest, type HttpResponse, type HttpOptions, type TlsOptions, type ConnectTo,
} from './http.js';
export { registryRequest, MANIFEST_V2_ACCEPT, type RegistryRequestOptions, type RegistryResult, type RegistryPolicy } from './registry.js';
export {
  signedRequest, whoami, listTags, chat,
  type SignedRequestOptions, type SignedResult, type DirectFlavour, type DirectCallOptions, type JsonResult, type ChatOptions, type ChatResult,
} from './direct.js';
export { apiKeyRequest, DEFAULT_API_KEY_ORIGINS, type ApiKeyRequestOptions, type ApiKeyResult } from './apikey.js';
export { basicRequest, type BasicRequestOptions, type BasicResult } from './basic.js';
export { describeAuthorization, redactHeaders, type Exchange } from './exchange.js';
export { resolveKey, type KeySource } from './key-source.js';
export { errorFromResponse, statusAndBody, jsonErrorFields } from './responses.js';
export { AuthError } from '../errors.js';
