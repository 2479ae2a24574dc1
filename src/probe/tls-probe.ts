/**
 * The TLS side of a probe: one handshake per protocol version (min = max = that version, with
 * `DEFAULT@SECLEVEL=0` so OpenSSL still offers TLS 1.0/1.1 and their ciphers), and the server
 * certificate of the best one, checked against --ca (or Node's default store) and the URL's host name.
 * Observations only; src/rules/probe/tls.ts decides.
 */
import tls from 'node:tls';
import { TLS_VERSIONS, type ServerCertificate, type TlsObservation, type TlsVersion, type TlsVersionAttempt } from '../rules/probe/observations.js';
import { serverName, type ProbeTarget } from './target.js';

interface Attempt extends TlsVersionAttempt {
  certificate?: ServerCertificate;
  /** The connection failed before TLS started (nothing listens, host unknown). */
  unreachable?: string;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function isoDate(text: string): string {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : text;
}

function describeCertificate(t: ProbeTarget, socket: tls.TLSSocket): ServerCertificate {
  const peer = socket.getPeerCertificate();
  const name = (x: Record<string, string | string[]> | undefined): string => {
    const cn = x?.['CN'];
    return Array.isArray(cn) ? cn.join(', ') : cn ?? '(no CN)';
  };
  const hostError = tls.checkServerIdentity(t.host, peer);
  const cert: ServerCertificate = {
    subject: `CN=${name(peer.subject as unknown as Record<string, string | string[]>)}`,
    issuer: `CN=${name(peer.issuer as unknown as Record<string, string | string[]>)}`,
    validFrom: isoDate(peer.valid_from),
    validTo: isoDate(peer.valid_to),
    chainOk: socket.authorized,
    hostOk: hostError === undefined,
  };
  if (!socket.authorized) cert.chainError = String(socket.authorizationError ?? 'unverified');
  if (hostError !== undefined) cert.hostError = hostError.message;
  return cert;
}

function tryVersion(t: ProbeTarget, version: TlsVersion): Promise<Attempt> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Attempt): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(a);
    };
    const name = serverName(t);
    const socket = tls.connect({
      host: t.host,
      port: t.port,
      minVersion: version,
      maxVersion: version,
      ciphers: 'DEFAULT@SECLEVEL=0',
      rejectUnauthorized: false,
      ...(name !== undefined ? { servername: name } : {}),
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      // Present the client certificate when there is one: a server that requires it may otherwise end
      // the handshake, and the version would look refused when only the certificate was missing.
      ...(t.clientCert ? { cert: t.clientCert.cert, key: t.clientCert.key } : {}),
      timeout: t.timeoutMs,
    });
    socket.once('secureConnect', () => {
      const cipher = socket.getCipher();
      finish({ version, accepted: true, detail: `${socket.getProtocol() ?? version} ${cipher.name}`, certificate: describeCertificate(t, socket) });
    });
    socket.once('timeout', () => finish({ version, accepted: false, detail: `no handshake within ${t.timeoutMs} ms` }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const detail = err.code ? `${err.code}: ${err.message}` : err.message;
      finish({ version, accepted: false, detail, ...(UNREACHABLE.has(err.code ?? '') ? { unreachable: detail } : {}) });
    });
  });
}

export async function probeTls(t: ProbeTarget, now: Date = new Date()): Promise<TlsObservation> {
  const base = { host: `${t.host}:${t.port}`, checkedAt: now.toISOString(), ...(t.expectTls !== undefined ? { expectedMinimum: t.expectTls } : {}) };
  if (t.scheme === 'http') return { scheme: 'http', attempts: [], ...base };
  const attempts = await Promise.all(TLS_VERSIONS.map((v) => tryVersion(t, v)));
  const observation: TlsObservation = { scheme: 'https', attempts: attempts.map(({ version, accepted, detail }) => ({ version, accepted, detail })), ...base };
  const unreachable = attempts.find((a) => a.unreachable !== undefined);
  if (unreachable !== undefined && attempts.every((a) => !a.accepted)) observation.failure = `cannot connect to ${base.host}: ${unreachable.unreachable}`;
  const best = [...attempts].reverse().find((a) => a.certificate !== undefined);
  if (best?.certificate !== undefined) observation.certificate = best.certificate;
  return observation;
}
