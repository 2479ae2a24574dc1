/** The offline ollama.com + registry stand-in. */
export { createEmulator, MAX_BODY_BYTES, type Emulator } from './server.js';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  DEFAULT_TS_WINDOW_SECONDS,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorTlsOptions,
} from './options.js';
export { type EmulatorEvent } from './events.js';
export { credentialShape } from '../protocol/authorization.js';
export { REASON_HEADER } from './replies.js';
export { parseDuration } from './duration.js';
export { loadAuthorizedKeys, parseAuthorizedKeys } from './authorized-keys.js';
export { addModel, defaultCatalogue, defaultCloudModels, MANIFEST_MEDIA_TYPE, type CloudModel, type ModelCatalogue } from './catalogue.js';
export { decodeToken, issueToken, parseRepositoryScope } from './token.js';
export { ASSISTANT_REPLY } from './api.js';
export { SIGNIN_HOSTNAME } from './api-auth.js';
