/**
 * Redaction: the one place that decides what of a secret may be shown, for every output of the harness
 * (cassettes, exchange logs, request logs, reports, messages). Below protocol in the layer order: it knows
 * shapes and names, not the protocol. vocabulary.ts says which redacted form goes where.
 */
export { REDACTED } from './vocabulary.js';
export { LiteralSecrets, replaceLiterals } from './literals.js';
export { credentialKind, credentialShape, credentialValueShape, describeAuthorization, type CredentialKind } from './credentials.js';
export { isCredentialHeader, redactHeaders, flattenHeaders, redactHeaderValuesInText } from './headers.js';
export { redactUserinfo, redactQuery, redactUrl } from './url.js';
export { redactBodyFields, redactText } from './text.js';
export { isSecretName, redactConfig } from './config.js';
