/**
 * Recording real handshakes into cassettes (Polly.js, redaction at save time, provenance, a secret
 * scanner) and replaying them in-process for TypeScript users. recordings/README.md documents the format.
 *
 * This barrel loads Polly.js (record.ts, replay.ts). Code that only serves or reads cassettes (the
 * conformance server, `oac check`) imports cassette-engine.ts / cassette-match.ts directly instead.
 */
export {
  recordCassette, deterministicNonces, RecordError, LIVE_API_ORIGIN, LIVE_REGISTRY_ORIGIN,
  type RecordOptions, type RecordResult, type RecordTarget,
} from './record.js';
export { withCassette, scrubMessage, type ReplayOptions } from './replay.js';
export {
  loadCassette, loadForReplay, loadServableCassette, resolveCassettePath, checkExpiry, RoleIndex, answerFromRecording, fillPlaceholders,
  recordedOrigins, rewriteOrigins, type LoadedCassette, type RecordedResponse, type ExpiryOptions,
} from './cassette-engine.js';
export { CassetteMissError, MATCH_FIELDS, RequestMatcher, type SentRequest, type FieldDifference, type MatchField } from './cassette-match.js';
export { recordEmulatedSet, recordEmulatedVariant, emulatedCredentials, EMULATED_API_ORIGIN, EMULATED_CLOCK_MS, EMULATED_REGISTRY_ORIGIN } from './emulated.js';
export { VARIANTS, RECORD_FLOWS, findVariant, variantsOf, parseModel, DEFAULT_MODEL, type RecordFlow, type VariantSpec } from './flows.js';
export {
  scanString, scanJson, scanText, scanFile, scanRepository, repositoryFiles, assertNoSecrets, describeFinding, SecretLeakError,
  SECRET_KINDS, type SecretFinding, type SecretKind, type ScanOptions,
} from './scan.js';
export { lintCassette, lintRecordings, formatCassetteProblem, type CassetteProblem } from './lint.js';
export { diffCassettes, type CassetteDiff } from './diff.js';
export { classifyEntries } from './annotate.js';
export { Redactor, REQUEST_HEADER_ALLOW_LIST, RESPONSE_HEADER_ALLOW_LIST } from './redact.js';
export { placeholder, parsePlaceholder, placeholdersIn, PLACEHOLDER_KINDS, PLACEHOLDER_PATTERN, type PlaceholderKind } from './placeholders.js';
export { parseExpiresIn, harnessVersion, PROTOCOL_COMMIT, DEFAULT_EXPIRES_IN } from './provenance.js';
export {
  CassetteError, stableStringify, writeFileAtomic, parseCassette, displayPath, ENTRY_ROLES,
  type Cassette, type CassetteEntry, type EntryRole, type Provenance, type Origin,
} from './har.js';
