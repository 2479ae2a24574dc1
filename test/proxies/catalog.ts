/**
 * The two proxy catalogues (examples/proxies/catalog.json: the ready configurations; zoo/catalog.json:
 * the misconfigured ones) and what a test needs to start an entry and to speak to it: generated
 * credentials, the ProxyOptions for test/helpers/proxies.ts, the probe arguments with their tokens
 * replaced, and the request each credential variant stands for.
 *
 * The lead's `oac probe` test over the same catalogues can use this module as it is:
 * `loadCatalog('zoo')`, `startDeployment(entry, …)`, `probeArguments(entry, …)`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startCaddy, startNginx, type RunningProxy, type TlsMaterial } from '../helpers/proxies.js';
import type { ProxyRequest } from './http-client.js';

export type CheckId = string;
export type CredentialKind = 'basic' | 'api-key' | 'client-certificate';
export type CredentialVariant =
  | 'none'
  | 'valid'
  | 'wrong-password'
  | 'wrong-key'
  | 'key-other-case'
  | 'key-with-suffix'
  | 'key-with-prefix'
  | 'key-in-query'
  | 'other-scheme'
  | 'malformed';
export type ClientCertificateChoice = 'none' | 'valid' | 'foreign';

export type Demonstration =
  | { kind: 'reaches-backend'; method: string; path: string; credentials: CredentialVariant; clientCertificate?: ClientCertificateChoice }
  | { kind: 'tls-version-accepted'; version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' }
  | { kind: 'certificate-rejected'; code: 'CERT_HAS_EXPIRED' | 'ERR_TLS_CERT_ALTNAME_INVALID' }
  | { kind: 'cors-credentials-allowed'; origin: string }
  | { kind: 'credentials-over-plain-http' };

export interface Deployment {
  id: string;
  server: 'nginx' | 'caddy';
  /** Absolute path of the configuration file (the catalogue holds it relative to itself). */
  config: string;
  mistake?: string;
  credentials: CredentialKind;
  serverCertificate: 'valid' | 'expired' | 'wrong-host';
  probeArgs: string[];
  mustFail: CheckId[];
  mayFail: CheckId[];
  /** Checks the probe may leave undecided because of the hole (catalog.schema.json). */
  mayError?: CheckId[];
  exitCode: 0 | 1;
  holeRoute?: string;
  holeMethod?: string;
  demonstrations?: Demonstration[];
}

export const CATALOG_FILES = {
  correct: 'examples/proxies/catalog.json',
  zoo: 'examples/proxies/zoo/catalog.json',
} as const;

export function loadCatalog(which: keyof typeof CATALOG_FILES): Deployment[] {
  const file = resolve(CATALOG_FILES[which]);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { deployments: Deployment[] };
  return parsed.deployments.map((d) => ({ ...d, config: join(dirname(file), d.config) }));
}

/** Made fresh per test file: nothing secret is ever written into the repository. */
export interface GeneratedCredentials {
  user: string;
  password: string;
  /** Letters and digits, with letters in it, so that the upper-case variant differs. */
  apiKey: string;
}

export function generateCredentials(): GeneratedCredentials {
  return {
    user: `oac-${randomBytes(3).toString('hex')}`,
    password: randomBytes(12).toString('base64url'),
    apiKey: `oac${randomBytes(24).toString('hex')}`,
  };
}

export function startDeployment(d: Deployment, backendUrl: string, tls: TlsMaterial, creds: GeneratedCredentials): Promise<RunningProxy> {
  const start = d.server === 'nginx' ? startNginx : startCaddy;
  return start(readFileSync(d.config, 'utf8'), {
    backend: backendUrl,
    tls,
    serverCertificate: d.serverCertificate,
    basic: { user: creds.user, password: creds.password },
    apiKey: creds.apiKey,
    name: d.id,
  });
}

/** The probe's arguments for this deployment: the URL first, tokens replaced. */
export function probeArguments(d: Deployment, url: string, tls: TlsMaterial, creds: GeneratedCredentials): string[] {
  const tokens: Record<string, string> = {
    '{basic}': `${creds.user}:${creds.password}`,
    '{apiKey}': creds.apiKey,
    '{caCert}': tls.caCert,
    '{clientCert}': tls.clientCert,
    '{clientKey}': tls.clientKey,
  };
  return [url, ...d.probeArgs.map((a) => tokens[a] ?? a)];
}

const basicHeader = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The request for one credential variant of a deployment (method/path/body from the caller). */
export function credentialRequest(
  kind: CredentialKind,
  variant: CredentialVariant,
  creds: GeneratedCredentials,
  base: { method: string; path: string; body?: string },
): ProxyRequest {
  const withAuth = (authorization: string): ProxyRequest => ({ ...base, headers: { authorization } });
  switch (variant) {
    case 'none':
      return { ...base };
    case 'valid':
      if (kind === 'basic') return withAuth(basicHeader(creds.user, creds.password));
      if (kind === 'api-key') return withAuth(`Bearer ${creds.apiKey}`);
      return { ...base };
    case 'wrong-password':
      return withAuth(basicHeader(creds.user, `${creds.password}-wrong`));
    case 'wrong-key':
      return withAuth(`Bearer oac${randomBytes(24).toString('hex')}`);
    case 'key-other-case':
      return withAuth(`Bearer ${creds.apiKey.toUpperCase()}`);
    case 'key-with-suffix':
      return withAuth(`Bearer ${creds.apiKey}x`);
    case 'key-with-prefix':
      return withAuth(`xBearer ${creds.apiKey}`);
    case 'key-in-query':
      return { ...base, path: `${base.path}${base.path.includes('?') ? '&' : '?'}key=${creds.apiKey}` };
    case 'other-scheme':
      return kind === 'basic' ? withAuth(`Bearer ${creds.password}`) : withAuth(basicHeader('oac', creds.apiKey));
    case 'malformed':
      return kind === 'basic' ? withAuth('Basic not-base64!') : withAuth('Bearer');
  }
}

export function clientCertificate(choice: ClientCertificateChoice | undefined, tls: TlsMaterial): Pick<ProxyRequest, 'cert' | 'key'> {
  if (choice === 'valid') return { cert: tls.clientCert, key: tls.clientKey };
  if (choice === 'foreign') return { cert: tls.foreignClientCert, key: tls.foreignClientKey };
  return {};
}
