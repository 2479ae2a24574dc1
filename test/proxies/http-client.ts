/**
 * One request to a proxy, over http or https, with exactly the credentials, client certificate and TLS
 * version a test names. Errors (a refused handshake, a reset) come back as values: for a proxy test a
 * failed handshake is an answer, not a crash.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';

export interface ProxyRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM files. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Pin the TLS version (both min and max). */
  tlsVersion?: SecureVersion;
  /** Cipher list for the client (TLS 1.0/1.1 need `DEFAULT@SECLEVEL=0` with OpenSSL 3). */
  ciphers?: string;
  /** Skip the server certificate check (for the TLS-version and certificate tests only). */
  insecure?: boolean;
}

export type ProxyAnswer =
  | { ok: true; status: number; headers: IncomingHttpHeaders; body: string }
  | { ok: false; error: string; code: string | undefined };

export function send(baseUrl: string, req: ProxyRequest): Promise<ProxyAnswer> {
  const url = new URL(req.path, baseUrl);
  const isHttps = url.protocol === 'https:';
  const options = {
    method: req.method ?? 'GET',
    headers: { ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
    agent: false as const,
    timeout: 5_000,
    ...(isHttps
      ? {
          ca: req.ca ? readFileSync(req.ca) : undefined,
          cert: req.cert ? readFileSync(req.cert) : undefined,
          key: req.key ? readFileSync(req.key) : undefined,
          minVersion: req.tlsVersion,
          maxVersion: req.tlsVersion,
          ciphers: req.ciphers,
          rejectUnauthorized: !req.insecure,
        }
      : {}),
  };
  return new Promise((resolve) => {
    const client = (isHttps ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.message, code: e.code }));
    });
    client.on('timeout', () => client.destroy(new Error('no answer within 5 s')));
    client.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.message, code: e.code }));
    client.end(req.body);
  });
}
