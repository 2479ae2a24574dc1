/**
 * Secrets never reach a report. Two tools:
 * - redactConfig: the effective configuration with every secret value replaced by `<redacted>`, plus
 *   the JSON pointers of what was replaced (results.schema.json `config.redacted`), so a reader knows a
 *   value was there without seeing it;
 * - redactText: free text (client output, messages, URLs) with the run's literal secrets and anything
 *   shaped like a credential (Bearer/Basic values, Ollama signatures, private keys, URL passwords) removed.
 *
 * Paths are not secrets: a private-key *path* stays, its *contents* (PEM text) go.
 */

export const REDACTED = '<redacted>';

export interface RedactedConfig {
  value: Record<string, unknown>;
  /** RFC 6901 pointers into `value` of every replaced value. */
  redacted: string[];
}

/**
 * Names (compared lower-case, without `-` and `_`) whose values are secrets: `apiKey`, `OLLAMA_API_KEY`,
 * `registryPassword`, `Authorization`, `basic.pass`, `seedHex`, …
 */
const SECRET_NAME_SUFFIXES = [
  'apikey', 'apikeys', 'password', 'passwords', 'passwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens',
  'authorization', 'credential', 'credentials', 'cookie', 'cookies', 'seed', 'seedhex', 'privatekeypem',
];
const SECRET_NAMES_EXACT = new Set(['pass', 'pwd', 'basic']);

export function isSecretName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_NAMES_EXACT.has(n) || SECRET_NAME_SUFFIXES.some((s) => n.endsWith(s));
}

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
/** `scheme://user:password@`: the password part. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@?#]*):[^\s/@?#]*@/gi;
/**
 * A credential after its scheme word. Shapes such as `Bearer <40 chars>` (already redacted) stay, and so
 * does prose ("Basic credentials", "Bearer challenge"): a credential is 8+ characters with a digit or
 * one of `+/=._~-`, which every generated token, key and base64 value has. A shell reference such as
 * `Bearer $OLLAMA_API_KEY` names a secret without holding it, and stays (reproduce lines must still work).
 */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic)([ \t]+)([^\s"',;<$][^\s"',;<]{7,})/g;
const CREDENTIAL_CHAR = /[0-9+/=._~-]/;
/** Ollama's `<A>:<B>`: the public key stays (it is public), the replayable signature goes. */
const OLLAMA_SIGNATURE = /(AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}):[A-Za-z0-9+/]{86}==/g;
/** Token fields of a JSON body a client may echo. */
const JSON_TOKEN_FIELD = /("(?:token|access_token|refresh_token|id_token)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
/** `OLLAMA_API_KEY=…`, `MY_TOKEN=…` in a command line or an environment dump (not `=$VAR`: a reference). */
const ENV_ASSIGNMENT = /\b([A-Z0-9_]*(?:API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE)[A-Z0-9_]*)=(?!["']?\$)("[^"]*"|'[^']*'|\S+)/g;

/**
 * Free text with secrets removed: each literal in `secrets` (and its percent-encoded form), then every
 * credential-shaped run. Idempotent.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const literals = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  for (const secret of literals) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(REDACTED);
  }
  return out
    .replace(PEM_PRIVATE_KEY, `${REDACTED} private key`)
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(OLLAMA_SIGNATURE, `$1:${REDACTED}`)
    .replace(SCHEME_CREDENTIAL, (all, scheme: string, space: string, credential: string) =>
      (CREDENTIAL_CHAR.test(credential) ? `${scheme}${space}${REDACTED}` : all))
    .replace(JSON_TOKEN_FIELD, `$1"${REDACTED}"`)
    .replace(ENV_ASSIGNMENT, `$1=${REDACTED}`);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The configuration with secrets replaced. A value is replaced whole when its name says it is a secret
 * (everything under such a name, for objects and arrays), or when it is text holding a private key;
 * a URL keeps everything but its password; any other string goes through the credential patterns of
 * redactText. Numbers under a secret name are replaced too; booleans and null never are (nothing to hide).
 */
export function redactConfig(config: Record<string, unknown>, secrets: readonly string[] = []): RedactedConfig {
  const redacted: string[] = [];
  const walk = (value: unknown, pointer: string, secret: boolean): unknown => {
    if (value === null || typeof value === 'boolean' || value === undefined) return value;
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (!secret) return typeof value === 'bigint' ? value.toString() : value;
      redacted.push(pointer);
      return REDACTED;
    }
    if (typeof value === 'string') {
      if (secret && value !== '') {
        redacted.push(pointer);
        return REDACTED;
      }
      const cleaned = redactText(value, secrets);
      if (cleaned !== value) redacted.push(pointer);
      return cleaned;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${pointer}/${i}`, secret));
    if (typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
        out[name] = walk(item, `${pointer}/${escapePointer(name)}`, secret || isSecretName(name));
      }
      return out;
    }
    // Functions, symbols: not configuration; show what they are, not what they hold.
    redacted.push(pointer);
    return `<${typeof value}>`;
  };
  const value = walk(config, '', false) as Record<string, unknown>;
  return { value, redacted };
}
