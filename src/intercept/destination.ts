/**
 * Where a proxy request wants to go, decided from the text the client sent and nothing else: the proxy
 * never resolves a destination the client names and never contacts anything but a route's upstream (a
 * loopback origin, or, for `oac record --intercept`, the routed name's own https origin, resolved by the
 * system, or the address it is told to dial instead).
 */
import { isIP } from 'node:net';

export type InterceptScheme = 'https' | 'http';

/** The two ports intercept mode serves a routed name on: TLS on 443, plain http on 80. */
export const SCHEME_OF_PORT: Readonly<Record<number, InterceptScheme>> = { 443: 'https', 80: 'http' };

export interface Destination {
  /** Lower-cased host, brackets removed from an IPv6 literal. */
  hostname: string;
  port: number;
  /** As the client wrote it (`ollama.com:443`), for observations and messages. */
  written: string;
}

/** `host:port` of a CONNECT request (`ollama.com:443`, `[::1]:443`), or undefined when it is not one. */
export function parseConnectAuthority(authority: string): Destination | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:/\s[\]]+):(\d{1,5})$/.exec(authority);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { hostname: match[1].replace(/^\[|\]$/g, '').toLowerCase(), port, written: authority };
}

/**
 * The absolute-form target of a plain-http proxy request (`http://ollama.com/api/tags`): its destination
 * and the origin-form target (`/api/tags`) cut from the raw text, so escapes stay exactly as sent.
 */
export function parseAbsoluteForm(rawTarget: string): { destination: Destination; scheme: string; originForm: string } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(rawTarget);
  if (match === null) return undefined;
  const scheme = match[1].toLowerCase();
  const authority = match[2].includes('@') ? match[2].slice(match[2].lastIndexOf('@') + 1) : match[2];
  const defaultPort = scheme === 'https' ? 443 : 80;
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(\d{0,5}))?$/.exec(authority);
  if (hostPort === null || hostPort[1] === '') return undefined;
  const port = hostPort[2] === undefined || hostPort[2] === '' ? defaultPort : Number(hostPort[2]);
  const rest = match[3];
  const originForm = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return {
    destination: { hostname: hostPort[1].replace(/^\[|\]$/g, '').toLowerCase(), port, written: authority.includes(':') ? authority : `${authority}:${port}` },
    scheme,
    originForm,
  };
}

export function isIpLiteral(hostname: string): boolean {
  return isIP(hostname) !== 0;
}

/** The upstream of a route must be a loopback http origin: the proxy contacts nothing else. */
export function parseLoopbackUpstream(upstream: string): { host: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    return undefined; // not a URL at all: the caller reports what it expected and what it got
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (url.protocol !== 'http:' || !loopback || url.port === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') return undefined;
  return { host, port: Number(url.port) };
}

/**
 * `host:port` (`127.0.0.1:8443`, `[::1]:8443`, `stand-in.test:443`): where a route to a real https origin
 * dials instead of resolving its name (curl's --connect-to). Undefined when it is not one.
 */
export function parseDialAddress(text: string): { host: string; port: number } | undefined {
  const destination = parseConnectAuthority(text.trim());
  return destination === undefined ? undefined : { host: destination.hostname, port: destination.port };
}
