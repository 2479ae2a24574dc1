/**
 * The two global middlewares Ollama puts in front of every handler, 404 and 405 (server/routes.go@fb30760
 * L1842-1874): gin-contrib/cors v1.7.2 configured with Ollama's default origins, then allowedHostsMiddleware
 * (L1776-1838). Each either lets the request through (possibly adding headers) or aborts it.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';

export type MiddlewareVerdict =
  | { kind: 'next'; headers: Record<string, string | string[]> }
  | { kind: 'abort'; status: number; headers: Record<string, string | string[]>; reason: string };

/** Ollama's AllowHeaders, as the CORS module emits them: lower-cased, de-duplicated, canonicalised. */
const ALLOW_HEADERS = [
  'Authorization', 'Content-Type', 'User-Agent', 'Accept', 'X-Requested-With', 'OpenAI-Beta',
  'x-stainless-arch', 'x-stainless-async', 'x-stainless-custom-poll-interval', 'x-stainless-helper-method',
  'x-stainless-lang', 'x-stainless-os', 'x-stainless-package-version', 'x-stainless-poll-helper',
  'x-stainless-retry-count', 'x-stainless-runtime', 'x-stainless-runtime-version', 'x-stainless-timeout',
];

/** Go's http.CanonicalHeaderKey: upper-case the first letter and each letter after `-`, lower-case the rest. */
function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

const PREFLIGHT_HEADERS: Record<string, string | string[]> = {
  'Access-Control-Allow-Methods': 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS',
  'Access-Control-Allow-Headers': [...new Set(ALLOW_HEADERS.map((h) => h.toLowerCase()))].map(canonicalHeaderKey).join(','),
  'Access-Control-Max-Age': '43200',
  Vary: ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'],
};

export interface CorsConfig {
  /** The allowed origins in Ollama's order (catalogue router.cors.allowOrigins); `*` entries are wildcards. */
  allowOrigins: readonly string[];
}

function originAllowed(config: CorsConfig, origin: string): boolean {
  for (const entry of config.allowOrigins) {
    const lowered = entry.trim().toLowerCase();
    if (!lowered.includes('*')) {
      if (lowered === origin) return true;
      continue;
    }
    const star = entry.indexOf('*');
    const prefix = entry.slice(0, star);
    const suffix = entry.slice(star + 1);
    if (star === 0 && origin.endsWith(suffix)) return true;
    if (star === entry.length - 1 && origin.startsWith(prefix)) return true;
    if (origin.startsWith(prefix) && origin.endsWith(suffix)) return true;
  }
  return false;
}

export function applyCors(config: CorsConfig, method: string, origin: string | undefined, host: string): MiddlewareVerdict {
  if (origin === undefined || origin === '') return { kind: 'next', headers: {} };
  if (origin === `http://${host}` || origin === `https://${host}`) return { kind: 'next', headers: {} };
  if (!originAllowed(config, origin)) return { kind: 'abort', status: 403, headers: {}, reason: `CORS refused origin ${JSON.stringify(origin)}` };
  if (method === 'OPTIONS') {
    return { kind: 'abort', status: 204, headers: { ...PREFLIGHT_HEADERS, 'Access-Control-Allow-Origin': origin }, reason: 'CORS preflight of an allowed origin' };
  }
  return { kind: 'next', headers: { Vary: 'Origin', 'Access-Control-Allow-Origin': origin } };
}

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipIsLoopbackPrivateOrUnspecified(ip: string): boolean {
  const unmapped = ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  if (isIP(unmapped) === 4) {
    const [a, b] = ipv4Octets(unmapped) as [number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || unmapped === '0.0.0.0';
  }
  const v6 = unmapped.toLowerCase();
  return v6 === '::1' || v6 === '::' || /^f[cd][0-9a-f]{2}:/.test(v6);
}

function isOwnAddress(ip: string): boolean {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.address.toLowerCase() === ip.toLowerCase()) return true;
  }
  return false;
}

/** net.SplitHostPort, or the whole value when it has no port (Ollama falls back to it). */
function hostWithoutPort(hostHeader: string): string {
  const bracketed = /^\[([^\]]*)\]:[^:]*$/.exec(hostHeader);
  if (bracketed) return bracketed[1]!;
  const parts = hostHeader.split(':');
  if (parts.length === 2) return parts[0]!;
  return hostHeader;
}

function hostAllowedByName(host: string): boolean {
  const h = host.toLowerCase();
  if (h === '' || h === 'localhost') return true;
  if (h === hostname().toLowerCase()) return true;
  return ['.localhost', '.local', '.internal'].some((tld) => h.endsWith(tld));
}

/**
 * allowedHostsMiddleware: only active when the server listens on a loopback address (Ollama's default).
 * An IP Host passes when loopback, private, unspecified or the machine's own; a name passes when local
 * (and then OPTIONS is answered 204 on the spot); anything else is 403.
 */
export function applyAllowedHosts(listensOnLoopback: boolean, method: string, hostHeader: string): MiddlewareVerdict {
  if (!listensOnLoopback) return { kind: 'next', headers: {} };
  const host = hostWithoutPort(hostHeader);
  if (isIP(host) !== 0 && (ipIsLoopbackPrivateOrUnspecified(host) || isOwnAddress(host))) return { kind: 'next', headers: {} };
  if (hostAllowedByName(host)) {
    if (method === 'OPTIONS') return { kind: 'abort', status: 204, headers: {}, reason: `OPTIONS answered by the allowed-hosts check (Host ${JSON.stringify(hostHeader)})` };
    return { kind: 'next', headers: {} };
  }
  return { kind: 'abort', status: 403, headers: {}, reason: `Host ${JSON.stringify(hostHeader)} refused by the allowed-hosts check` };
}
