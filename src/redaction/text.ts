/**
 * Free text (client output, error messages, reproduce lines, URLs in a report) and bodies: the run's
 * literal secrets, then anything shaped like a credential. Prose and already-redacted shapes stay.
 */
import { SIGNED_CREDENTIAL_IN_TEXT } from './credentials.js';
import { replaceLiterals } from './literals.js';
import { redactUrlPasswords } from './url.js';
import { REDACTED } from './vocabulary.js';

/** A PEM or OpenSSH private key block (`-----BEGIN <kind> PRIVATE KEY-----` …, OpenSSH or PKCS#8), or its truncated start. */
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;

/**
 * A credential after its scheme word. Shapes such as `Bearer <40 chars>` (already redacted) stay, and so
 * does prose ("Basic credentials", "Bearer challenge"): a credential is 8+ characters with a digit or
 * one of `+/=._~-`, which every generated token, key and base64 value has. A shell reference such as
 * `Bearer $OLLAMA_API_KEY` names a secret without holding it, and stays (reproduce lines must still work).
 */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic)([ \t]+)([^\s"',;<$][^\s"',;<]{7,})/g;
const CREDENTIAL_CHAR = /[0-9+/=._~-]/;

/** JSON fields whose string value is a secret: OAuth/Docker token fields, passwords, keys. */
const SECRET_BODY_FIELDS: readonly string[] = [
  'token', 'access_token', 'refresh_token', 'id_token', 'password', 'passphrase', 'api_key', 'apiKey', 'secret', 'private_key',
];
const SECRET_BODY_FIELD = new RegExp(`("(?:${SECRET_BODY_FIELDS.join('|')})"\\s*:\\s*)"((?:[^"\\\\]|\\\\.)*)"`, 'g');

/** `OLLAMA_API_KEY=…`, `MY_TOKEN=…` in a command line or an environment dump (not `=$VAR`: a reference). */
const ENV_ASSIGNMENT = /\b([A-Z0-9_]*(?:API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE)[A-Z0-9_]*)=(?!["']?\$)("[^"]*"|'[^']*'|\S+)/g;

/**
 * JSON text (or text holding JSON) with the value of every secret field (SECRET_BODY_FIELDS) replaced by
 * `shape(value)` (default `<redacted>`); the value is the JSON string as written, escapes included.
 */
export function redactBodyFields(text: string, shape: (value: string) => string = () => REDACTED): string {
  return text.replace(SECRET_BODY_FIELD, (_m, head: string, value: string) => `${head}"${shape(value)}"`);
}

/** Ollama's `<A>:<B>` in text: the public key stays (it is public), the replayable signature goes. */
function redactSignatures(text: string): string {
  return text.replace(SIGNED_CREDENTIAL_IN_TEXT, `$1:${REDACTED}`);
}

/**
 * Free text with secrets removed: each literal in `secrets` (4+ characters, and its percent-encoded
 * forms), private key blocks, URL passwords, signatures, scheme credentials, secret JSON fields and
 * secret environment assignments. Idempotent.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  const out = replaceLiterals(text, secrets, () => REDACTED);
  return redactBodyFields(
    redactSignatures(redactUrlPasswords(out.replace(PRIVATE_KEY_BLOCK, `${REDACTED} private key`)))
      .replace(SCHEME_CREDENTIAL, (all, scheme: string, space: string, credential: string) =>
        (CREDENTIAL_CHAR.test(credential) ? `${scheme}${space}${REDACTED}` : all)),
  ).replace(ENV_ASSIGNMENT, `$1=${REDACTED}`);
}
