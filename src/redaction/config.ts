/**
 * Configuration objects: the effective configuration with every secret value replaced by `<redacted>`,
 * plus the JSON pointers of what was replaced (results.schema.json `config.redacted`), so a reader knows
 * a value was there without seeing it. Paths are not secrets: a private-key *path* stays, its *contents*
 * (PEM text) go.
 */
import { redactText } from './text.js';
import { REDACTED } from './vocabulary.js';

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

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The configuration with secrets replaced. A value is replaced whole when its name says it is a secret
 * (everything under such a name, for objects and arrays), or when it is text holding a private key;
 * a URL keeps everything but its password; any other string goes through redactText. Numbers under a
 * secret name are replaced too; booleans and null never are (nothing to hide). The input is not modified.
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
