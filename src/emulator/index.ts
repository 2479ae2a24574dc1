/** The offline ollama.com + registry stand-in: served on a port (createEmulator) or called (createEmulatorHandler). */
export { createEmulator, MAX_BODY_BYTES, readBody, send as sendReply, type Emulator } from './server.js';
export { createEmulatorHandler, serviceOf, type EmulatedService, type EmulatorHandler } from './handler.js';
export { toEmulatorRequest, type EmulatorRequest } from './request.js';
export { type Reply } from './replies.js';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  DEFAULT_TS_WINDOW_SECONDS,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorTlsOptions,
} from './options.js';
export { redactHeaders, type EmulatorEvent, type RequestRecord } from './events.js';
export { credentialShape } from '../redaction/index.js';
export { REASON_HEADER } from './replies.js';
export { parseDuration } from './duration.js';
export { loadAuthorizedKeys, parseAuthorizedKeys } from './authorized-keys.js';
export { addModel, defaultCatalogue, defaultCloudModels, MANIFEST_MEDIA_TYPE, type CloudModel, type ModelCatalogue } from './catalogue.js';
export { decodeToken, issueToken, parseRepositoryScope } from './token.js';
export { ASSISTANT_REPLY } from './api.js';
export { SIGNIN_HOSTNAME } from './api-auth.js';
export { generateTlsKit, type ClientCertFiles, type TlsKit } from './tls-cert.js';
export { CERT_ALGORITHM, privateKeyPem, serialNumber as certificateSerialNumber, validity as certificateValidity, x509 as loadX509 } from './tls-cert.js';
