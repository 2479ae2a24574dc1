/**
 * What `oac probe` is pointed at and with which credentials: parsed and checked up front, so a bad flag
 * is one line naming it (exit 2) before any request goes out. Secret values never appear in an error
 * message.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { OacError } from '../errors.js';
import { redactUserinfo } from '../redaction/index.js';
import type { ProbeCredentials, TlsVersion } from '../rules/probe/observations.js';

interface BasicCredentials {
  user: string;
  password: string;
}

interface CustomHeader {
  name: string;
  value: string;
}

/** The probe's input as the command line gives it (strings; files not read yet). */
export interface ProbeInput {
  url: string;
  basic?: string;
  apiKey?: string;
  headers?: readonly string[];
  ca?: string;
  cert?: string;
  key?: string;
  expectTls?: string;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Send credentials even when the server certificate does not verify (like curl -k). */
  insecure?: boolean;
}

export interface ProbeTarget {
  url: URL;
  scheme: 'http' | 'https';
  /** Host name or IP as in the URL (brackets removed from IPv6). */
  host: string;
  port: number;
  /** Path prefix Ollama is mounted under (`/ollama` for https://host/ollama/), '' at the root. */
  basePath: string;
  basic?: BasicCredentials;
  apiKey?: string;
  headers: CustomHeader[];
  /** PEM text of --ca (what the server certificate must chain to); undefined: Node's default store. */
  ca?: string;
  caFile?: string;
  clientCert?: { cert: string; key: string; certFile: string; keyFile: string };
  expectTls?: TlsVersion;
  timeoutMs: number;
  concurrency: number;
  /**
   * false (the default): a request that carries a secret goes only to a server whose certificate
   * verifies, as curl does; the others are recorded as not sent. true: sent anyway (the certificate
   * checks still fail).
   */
  insecure: boolean;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_CONCURRENCY = 4;

function usage(message: string): OacError {
  return new OacError('cli/usage', message);
}

/** An HTTP field name (RFC 9110 §5.1 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // URL's own message is "Invalid URL" with no detail: ours says what is expected.
    throw usage(`the URL ${JSON.stringify(redactUserinfo(raw))} is not an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(`the URL must start with http:// or https://, got ${url.protocol}//`);
  if (url.username !== '' || url.password !== '') throw usage('the URL carries user:password@: give credentials with --basic USER:PASS instead, so they can be kept out of reports');
  if (url.search !== '' || url.hash !== '') throw usage('the URL must not have a query or fragment: give the base URL Ollama is served at, e.g. https://ollama.example.org');
  return url;
}

function parseBasic(raw: string): BasicCredentials {
  const colon = raw.indexOf(':');
  if (colon <= 0) throw usage('--basic must be USER:PASSWORD (a user name, a colon, then the password)');
  const user = raw.slice(0, colon);
  const password = raw.slice(colon + 1);
  if (password === '') throw usage('--basic has an empty password: give USER:PASSWORD');
  return { user, password };
}

function parseHeader(raw: string): CustomHeader {
  const colon = raw.indexOf(':');
  const name = colon === -1 ? '' : raw.slice(0, colon).trim();
  if (colon === -1 || !TOKEN.test(name)) throw usage(`--header must be 'Name: value' with a valid field name, got ${colon === -1 ? 'no colon' : JSON.stringify(name)}`);
  const value = raw.slice(colon + 1).trim();
  if (value === '') throw usage(`--header ${name} has an empty value`);
  if (/^(authorization|host|content-length|transfer-encoding|connection)$/i.test(name)) {
    throw usage(`--header ${name} is set by the probe itself${/^authorization$/i.test(name) ? ': use --basic or --api-key' : ''}`);
  }
  return { name, value };
}

function readPem(flag: string, file: string, kind: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usage(`--${flag} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const marker = kind === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!marker.test(text)) throw usage(`--${flag} ${file} is not a PEM ${kind === 'CERTIFICATE' ? 'certificate' : 'private key'} (no BEGIN ${kind} line)`);
  return text;
}

const EXPECT_TLS: Record<string, TlsVersion> = { '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };

/** --cert and --key come together (checked before either file is read). */
export function assertClientCertPair(cert: string | undefined, key: string | undefined): void {
  if (cert !== undefined && key === undefined) throw usage('--cert needs --key (the client certificate\'s private key)');
  if (key !== undefined && cert === undefined) throw usage('--key needs --cert (the client certificate)');
}

/** Checks every flag and reads the files; throws a `cli/usage` OacError naming the first bad flag. */
export function resolveTarget(input: ProbeInput): ProbeTarget {
  const url = parseUrl(input.url);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  const target: ProbeTarget = {
    url,
    scheme,
    host,
    port,
    basePath: url.pathname.replace(/\/+$/, ''),
    headers: (input.headers ?? []).map(parseHeader),
    timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    concurrency: input.concurrency ?? DEFAULT_CONCURRENCY,
    insecure: input.insecure ?? false,
  };
  if (input.basic !== undefined) target.basic = parseBasic(input.basic);
  if (input.apiKey !== undefined) {
    if (input.apiKey.trim() === '') throw usage('--api-key is empty');
    if (input.apiKey !== input.apiKey.trim()) throw usage('--api-key has leading or trailing whitespace: give the key exactly');
    target.apiKey = input.apiKey;
  }
  if (target.basic && target.apiKey) throw usage('--basic and --api-key both set the Authorization header: give one (add a custom header with --header)');
  assertClientCertPair(input.cert, input.key);
  if (input.expectTls !== undefined) {
    const v = EXPECT_TLS[input.expectTls];
    if (v === undefined) throw usage(`--expect-tls must be 1.2 or 1.3, got ${JSON.stringify(input.expectTls)}`);
    target.expectTls = v;
  }
  if (scheme === 'http') {
    for (const [flag, given] of [['ca', input.ca], ['cert', input.cert], ['expect-tls', input.expectTls], ['insecure', input.insecure ? 'yes' : undefined]] as const) {
      if (given !== undefined) throw usage(`--${flag} needs an https:// URL, got ${url.origin}`);
    }
  }
  if (input.ca !== undefined) {
    target.ca = readPem('ca', input.ca, 'CERTIFICATE');
    target.caFile = input.ca;
  }
  if (input.cert !== undefined && input.key !== undefined) {
    target.clientCert = { cert: readPem('cert', input.cert, 'CERTIFICATE'), key: readPem('key', input.key, 'PRIVATE KEY'), certFile: input.cert, keyFile: input.key };
  }
  if (!Number.isFinite(target.timeoutMs) || target.timeoutMs <= 0) throw usage(`--timeout must be a positive number of seconds, got ${target.timeoutMs / 1000}`);
  if (!Number.isSafeInteger(target.concurrency) || target.concurrency < 1 || target.concurrency > 32) throw usage(`--jobs must be a whole number from 1 to 32, got ${target.concurrency}`);
  return target;
}

export function credentialsOf(t: ProbeTarget): ProbeCredentials {
  return { basic: t.basic !== undefined, apiKey: t.apiKey !== undefined, headers: t.headers.length > 0, clientCert: t.clientCert !== undefined };
}

/** Every secret value the probe holds: scrubbed from everything it writes, whatever a server echoed. */
export function secretsOf(t: ProbeTarget): string[] {
  const out: string[] = [];
  if (t.basic) out.push(t.basic.password, Buffer.from(`${t.basic.user}:${t.basic.password}`).toString('base64'));
  if (t.apiKey) out.push(t.apiKey);
  for (const h of t.headers) out.push(h.value);
  return out;
}

/** The TLS server name to send (SNI is for host names only, never for an IP literal). */
export function serverName(t: ProbeTarget): string | undefined {
  return isIP(t.host) === 0 ? t.host : undefined;
}

/** The host:port as a person writes it (IPv6 in brackets). */
export function hostPort(t: ProbeTarget): string {
  return `${isIP(t.host) === 6 ? `[${t.host}]` : t.host}:${t.port}`;
}
