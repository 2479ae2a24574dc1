/**
 * Credential variants: what each probe request carries, derived from the credentials the probe was
 * given. Every variant changes one thing and keeps the rest right (a wrong password still comes with
 * the right client certificate), so a refusal speaks for the layer that was varied. Only variants that
 * apply to the given credentials exist: with none given, the only variant is `none`.
 *
 * Each variant has two forms: the wire form (real values, kept in memory only) and the shown form
 * (what reports, curl lines and recordings hold: every value derived from a secret is `<redacted>`).
 */
import { randomBytes } from 'node:crypto';
import { REDACTED } from '../redaction/index.js';
import type { CredentialFamily, CredentialVariant } from '../rules/probe/observations.js';
import { shellQuote } from './shell.js';
import type { ProbeTarget } from './target.js';


export type ClientCertChoice = 'given' | 'none' | 'foreign';

export interface AppliedCredentials {
  variant: CredentialVariant;
  /** Headers to send (real values). */
  headers: Record<string, string>;
  /** The same headers as reports show them. */
  shownHeaders: Record<string, string>;
  /** A query parameter to append (the key-in-query variants). */
  query?: { name: string; value: string };
  /** Which client certificate the connection presents. */
  clientCert: ClientCertChoice;
  /** Whether the request carries a secret (or a value derived from one): sent only to a verified server. */
  carriesSecret: boolean;
  /** curl arguments for the credentials, shown form (e.g. `-u 'alice:<redacted>'`). */
  curlArgs: string[];
  /**
   * `once`: sent to one route only. A wrong user tests the password check itself, which no location
   * block changes; and Caddy answers an unknown user only after a bcrypt comparison at cost 14 (its
   * timing-attack guard), about a second of its CPU per request.
   */
  scope: 'route' | 'once';
}

function variant(id: string, family: CredentialFamily, description: string): CredentialVariant {
  return { id, family, description };
}

/** Swap the case of every ASCII letter: `AbC1` → `aBc1`; undefined when the key has no letter. */
export function swapCase(text: string): string | undefined {
  if (!/[A-Za-z]/.test(text)) return undefined;
  return text.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
}

/** What is sent and shown for the credentials a variant keeps right. */
interface Parts {
  /** `secret`: the value is, or is derived from, a secret the probe was given. */
  authorization?: { wire: string; shown: string; secret: boolean };
  /** curl flags for the Authorization part (shown form). */
  authorizationCurl?: string[];
  customHeaders: Array<{ name: string; wire: string; shown: string; secret: boolean }>;
  query?: { name: string; value: string; secret: boolean };
  clientCert: ClientCertChoice;
}

function validParts(t: ProbeTarget): Parts {
  const parts: Parts = {
    customHeaders: t.headers.map((h) => ({ name: h.name, wire: h.value, shown: REDACTED, secret: true })),
    clientCert: t.clientCert ? 'given' : 'none',
  };
  if (t.basic) {
    parts.authorization = { wire: `Basic ${Buffer.from(`${t.basic.user}:${t.basic.password}`).toString('base64')}`, shown: `Basic ${REDACTED}`, secret: true };
    parts.authorizationCurl = ['-u', shellQuote(`${t.basic.user}:${REDACTED}`)];
  } else if (t.apiKey) {
    parts.authorization = { wire: `Bearer ${t.apiKey}`, shown: `Bearer ${REDACTED}`, secret: true };
  }
  return parts;
}

function apply(v: CredentialVariant, parts: Parts): AppliedCredentials {
  const carriesSecret = parts.authorization?.secret === true || parts.customHeaders.some((h) => h.secret) || parts.query?.secret === true;
  const headers: Record<string, string> = {};
  const shownHeaders: Record<string, string> = {};
  const curlArgs: string[] = [];
  if (parts.authorization) {
    headers['Authorization'] = parts.authorization.wire;
    shownHeaders['Authorization'] = parts.authorization.shown;
    if (parts.authorizationCurl) curlArgs.push(...parts.authorizationCurl);
    // curl drops a header given as `Name:` with no value; `Name;` sends it empty.
    else curlArgs.push('-H', shellQuote(parts.authorization.shown === '' ? 'Authorization;' : `Authorization: ${parts.authorization.shown}`));
  }
  for (const h of parts.customHeaders) {
    headers[h.name] = h.wire;
    shownHeaders[h.name] = h.shown;
    curlArgs.push('-H', shellQuote(`${h.name}: ${h.shown}`));
  }
  const out: AppliedCredentials = { variant: v, headers, shownHeaders, clientCert: parts.clientCert, carriesSecret, curlArgs, scope: 'route' };
  if (parts.query) out.query = { name: parts.query.name, value: parts.query.value };
  return out;
}

function noCredentials(): AppliedCredentials {
  return apply(variant('none', 'none', 'no credentials'), { customHeaders: [], clientCert: 'none' });
}

/** A value nobody configured: random, so a proxy cannot have it in a list by accident. */
function wrongValue(prefix: string): string {
  return `${prefix}${randomBytes(9).toString('base64url')}`;
}

/** `base` with its Authorization replaced. `secret`: the new value is derived from a secret. */
function withAuthorization(base: Parts, wire: string, shown: string, secret: boolean, curl?: string[]): Parts {
  const parts: Parts = { ...base, authorization: { wire, shown, secret } };
  if (curl) parts.authorizationCurl = curl;
  else delete parts.authorizationCurl;
  return parts;
}

function withoutAuthorization(base: Parts, extra: Partial<Parts>): Parts {
  const { authorization: _authorization, authorizationCurl: _curl, ...rest } = base;
  return { ...rest, ...extra };
}

function basicVariants(t: ProbeTarget, base: Parts): AppliedCredentials[] {
  const { user, password } = t.basic!;
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const wrongUser = wrongValue('oac-nobody-');
  const auth = (wire: string, shown: string, secret: boolean, curl?: string[]): Parts => withAuthorization(base, wire, shown, secret, curl);
  return [
    apply(variant('wrong-password', 'wrong', 'a wrong password'),
      auth(basic(user, wrongValue('oac-wrong-')), `Basic ${REDACTED}`, false, ['-u', shellQuote(`${user}:${REDACTED}`)])),
    { ...apply(variant('wrong-user', 'wrong', 'a wrong user with the right password'),
      auth(basic(wrongUser, password), `Basic ${REDACTED}`, true, ['-u', shellQuote(`${wrongUser}:${REDACTED}`)])), scope: 'once' },
    apply(variant('malformed-garbage', 'malformed', 'a garbage Authorization header'), auth('oac-probe-garbage', 'oac-probe-garbage', false)),
    apply(variant('malformed-empty', 'malformed', 'an empty Authorization header'), auth('', '', false)),
    apply(variant('malformed-scheme-only', 'malformed', 'Authorization: Basic with nothing after it'), auth('Basic', 'Basic', false)),
    apply(variant('malformed-not-base64', 'malformed', 'Authorization: Basic with a value that is not base64'), auth('Basic !!!!', 'Basic !!!!', false)),
    apply(variant('basic-as-bearer', 'malformed', 'the Basic credentials sent as Bearer'),
      auth(`Bearer ${Buffer.from(`${user}:${password}`).toString('base64')}`, `Bearer ${REDACTED}`, true)),
  ];
}

function apiKeyVariants(t: ProbeTarget, base: Parts): AppliedCredentials[] {
  const key = t.apiKey!;
  const auth = (wire: string, shown: string, secret: boolean): Parts => withAuthorization(base, wire, shown, secret);
  const out = [
    apply(variant('wrong-key', 'wrong', 'a wrong API key'), auth(`Bearer ${wrongValue('oac-wrong-')}`, `Bearer ${REDACTED}`, false)),
    apply(variant('malformed-garbage', 'malformed', 'a garbage Authorization header'), auth('oac-probe-garbage', 'oac-probe-garbage', false)),
    apply(variant('malformed-empty', 'malformed', 'an empty Authorization header'), auth('', '', false)),
    apply(variant('malformed-scheme-only', 'malformed', 'Authorization: Bearer with nothing after it'), auth('Bearer', 'Bearer', false)),
    apply(variant('key-as-basic', 'malformed', 'the API key under the Basic scheme'), auth(`Basic ${key}`, `Basic ${REDACTED}`, true)),
    apply(variant('key-without-scheme', 'malformed', 'the API key without a scheme'), auth(key, REDACTED, true)),
  ];
  const swapped = swapCase(key);
  if (swapped !== undefined) {
    out.push(apply(variant('key-other-case', 'key-variant', 'the API key with its letter case swapped'), auth(`Bearer ${swapped}`, `Bearer ${REDACTED}`, true)));
  }
  out.push(
    // A tab is not the 1*SP that RFC 9110 §11.4 allows between scheme and credentials. Trailing
    // whitespace is not tried: it is optional whitespace every HTTP parser strips (RFC 9110 §5.5), so
    // a proxy that accepts it is right.
    apply(variant('key-leading-whitespace', 'key-variant', 'the API key after a tab instead of the space'), auth(`Bearer \t${key}`, `Bearer \t${REDACTED}`, true)),
    apply(variant('key-prefixed', 'key-variant', 'the API key with characters put before it'), auth(`Bearer x${key}`, `Bearer x${REDACTED}`, true)),
    apply(variant('key-suffixed', 'key-variant', 'the API key with characters added after it'), auth(`Bearer ${key}x`, `Bearer ${REDACTED}x`, true)),
    apply(variant('key-in-query-api_key', 'key-variant', 'the API key in the query as ?api_key='), withoutAuthorization(base, { query: { name: 'api_key', value: key, secret: true } })),
    apply(variant('key-in-query-key', 'key-variant', 'the API key in the query as ?key='), withoutAuthorization(base, { query: { name: 'key', value: key, secret: true } })),
    apply(variant('key-in-x-api-key', 'key-variant', 'the API key in an X-API-Key header'),
      withoutAuthorization(base, { customHeaders: [...base.customHeaders, { name: 'X-API-Key', wire: key, shown: REDACTED, secret: true }] })),
  );
  return out;
}

function headerVariants(t: ProbeTarget, base: Parts): AppliedCredentials[] {
  return t.headers.map((h, i) => apply(
    variant(t.headers.length === 1 ? 'wrong-header' : `wrong-header-${i + 1}`, 'wrong', `a wrong value in ${h.name}`),
    { ...base, customHeaders: base.customHeaders.map((c, j) => (j === i ? { name: c.name, wire: wrongValue('oac-wrong-'), shown: REDACTED, secret: false } : c)) },
  ));
}

/** The right credentials (undefined when none were given). */
export function validCredentials(t: ProbeTarget): AppliedCredentials | undefined {
  if (!t.basic && !t.apiKey && t.headers.length === 0 && !t.clientCert) return undefined;
  return apply(variant('valid', 'valid', 'the right credentials'), validParts(t));
}

/** The right credentials with another client certificate choice (the mTLS probes). */
export function validWithClientCert(t: ProbeTarget, clientCert: ClientCertChoice, id: string, description: string): AppliedCredentials {
  const parts = { ...validParts(t), clientCert };
  return apply(variant(id, 'valid', description), parts);
}

export function noCredentialsVariant(): AppliedCredentials {
  return noCredentials();
}

/** Every variant that must be refused and applies to the given credentials (not `none`, not `valid`). */
export function refusedVariants(t: ProbeTarget): AppliedCredentials[] {
  const base = validParts(t);
  return [
    ...(t.basic ? basicVariants(t, base) : []),
    ...(t.apiKey ? apiKeyVariants(t, base) : []),
    ...headerVariants(t, base),
  ];
}
