/**
 * Which proxy a request goes through, decided as Ollama's Go client decides it: its requests go through
 * http.DefaultTransport (server/images.go@fb30760 L1403-1411, api/client.go@fb30760 L74-78), whose
 * `Proxy` is http.ProxyFromEnvironment, i.e. golang.org/x/net/http/httpproxy (proxy.go, cited below as
 * "httpproxy L<n>" at golang/net 0ca694d). Pure: the environment comes in as a record, nothing is dialled.
 *
 * The rules, in Go's order:
 *  - HTTPS_PROXY (else https_proxy) for https URLs, HTTP_PROXY (else http_proxy) for http URLs; upper case
 *    wins and an empty value counts as unset (httpproxy L90-106, L127-145). ALL_PROXY is never read.
 *  - With REQUEST_METHOD set (a CGI process) an http URL with an HTTP proxy is an error, not a silent
 *    bypass (httpproxy L132-135, https://go.dev/s/cgihttpproxy).
 *  - `localhost` and loopback IPs are never proxied (httpproxy L178-188); then NO_PROXY (L170-205, L207-273):
 *    `*`, CIDR, IP, IP:port, `[IPv6]:port`, domain (itself and its subdomains), `.domain` / `*.domain`
 *    (subdomains only), each optionally with `:port`; domain entries never match an IP (L365-368).
 *  - A value without a scheme means http:// (httpproxy L147-165).
 *
 * Two deliberate differences, both only for input Go cannot use either: a proxy value that is not a URL
 * even with http:// in front is an error here (Go drops it silently, L207-213, and goes direct: a user
 * who set a proxy would never learn it was ignored); a proxy scheme other than http/https (socks5) is an
 * error (the reference client does not speak SOCKS).
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { AuthError, ProtocolError } from '../errors.js';
import { goParseUrl, goPathUnescape, type GoUrl } from '../protocol/go-url.js';
import { REDACTED } from '../redaction/index.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** One proxy variable as found: which name it was read from (for messages) and its value. */
interface ProxyVariable {
  name: string;
  value: string;
}

/** Go's httpproxy.Config: what FromEnvironment reads (httpproxy L90-97). */
export interface ProxySettings {
  httpProxy: ProxyVariable | undefined;
  httpsProxy: ProxyVariable | undefined;
  noProxy: string;
  /** REQUEST_METHOD is set: this process runs as a CGI handler. */
  cgi: boolean;
}

/** A proxy to use: where to dial and what to say to it. */
export interface ProxyTarget {
  scheme: 'http' | 'https';
  /** For the socket: no IPv6 brackets. */
  hostname: string;
  port: number;
  /** `scheme://host:port` without userinfo: the only form of the proxy URL any message shows. */
  display: string;
  /** The variable it came from, e.g. `HTTPS_PROXY`. */
  variable: string;
  /** `Basic base64(user:pass)` from the proxy URL's userinfo (Go's connectMethod.proxyAuth), else undefined. */
  authorization: string | undefined;
}

/** Go's getEnvAny: the first of the names with a non-empty value (httpproxy L99-106). */
function firstSet(env: Environment, ...names: string[]): ProxyVariable | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** Go's httpproxy.FromEnvironment (httpproxy L90-97). */
export function proxySettingsFromEnv(env: Environment): ProxySettings {
  return {
    httpProxy: firstSet(env, 'HTTP_PROXY', 'http_proxy'),
    httpsProxy: firstSet(env, 'HTTPS_PROXY', 'https_proxy'),
    noProxy: firstSet(env, 'NO_PROXY', 'no_proxy')?.value ?? '',
    cgi: (env['REQUEST_METHOD'] ?? '') !== '',
  };
}

// ---- addresses: Go's net/url splitHostPort, net.SplitHostPort, net.IP -------------------------------

/** Go's url.URL Hostname() and Port(): the last `:digits` is the port; brackets come off the host. */
function goHostnameAndPort(host: string): { hostname: string; port: string } {
  let hostname = host;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && /^:[0-9]*$/.test(host.slice(colon))) {
    hostname = host.slice(0, colon);
    port = host.slice(colon + 1);
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return { hostname, port };
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** Go's idnaASCII: ASCII names as they are, others through IDNA (kept as written when that fails). */
function asciiName(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name;
  const ascii = domainToASCII(name);
  return ascii === '' ? name : ascii;
}

/** Go's canonicalAddr (net/http transport.go): host as written (IDNA for non-ASCII), port defaulted, IPv6 bracketed. What CONNECT names. */
export function canonicalAddr(scheme: string, host: string): string {
  const { hostname, port } = goHostnameAndPort(host);
  const name = asciiName(hostname);
  const withPort = port === '' ? (DEFAULT_PORTS[scheme] ?? '') : port;
  return `${name.includes(':') ? `[${name}]` : name}:${withPort}`;
}

/** Go's net.SplitHostPort; undefined where Go returns an error. */
function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return undefined;
  let host: string;
  let hostEnd: number;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0 || end + 1 !== colon) return undefined;
    host = hostport.slice(1, end);
    hostEnd = end + 1;
    if (hostport.slice(1).includes('[')) return undefined;
  } else {
    host = hostport.slice(0, colon);
    hostEnd = 0;
    if (host.includes(':') || hostport.includes('[')) return undefined;
  }
  if (hostport.slice(hostEnd).includes(']')) return undefined;
  return { host, port: hostport.slice(colon + 1) };
}

/** An IP as Go's net.IP compares it: 4 bytes for IPv4 and IPv4-mapped IPv6 (To4), else 16. */
type IpBytes = number[];

function parseIp(text: string): IpBytes | undefined {
  const family = isIP(text);
  if (family === 4) return text.split('.').map(Number);
  if (family !== 6 || text.includes('%')) return undefined;
  // WHATWG serialises an IPv6 address with hex groups only (an embedded IPv4 part becomes two groups).
  const serialised = new URL(`http://[${text}]`).hostname.slice(1, -1);
  const [head, tail] = serialised.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  const v4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return v4Mapped ? bytes.slice(12) : bytes;
}

function sameIp(a: IpBytes, b: IpBytes): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Go's net.IP IsLoopback: 127/8, or ::1. */
function isLoopback(ip: IpBytes): boolean {
  return ip.length === 4 ? ip[0] === 127 : sameIp(ip, [...Array<number>(15).fill(0), 1]);
}

interface Cidr {
  network: IpBytes;
  prefix: number;
}

/** Go's net.ParseCIDR (the network is in the family it was written in). */
function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^[0-9]{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const address = text.slice(0, slash);
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const prefix = Number(text.slice(slash + 1));
  if (prefix > (isIP(address) === 4 ? 32 : 128)) return undefined;
  // An IPv4-mapped IPv6 network acts as IPv4 with the last 32 bits of its mask (Go's networkNumberAndMask).
  if (isIP(address) === 6 && ip.length === 4) return { network: ip, prefix: Math.max(0, prefix - 96) };
  return { network: ip, prefix };
}

/** Go's IPNet.Contains: the host (already To4) must be of the network's length. */
function cidrContains(cidr: Cidr, ip: IpBytes): boolean {
  if (ip.length !== cidr.network.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((ip[bit >> 3]! & mask) !== (cidr.network[bit >> 3]! & mask)) return false;
  }
  return true;
}

// ---- NO_PROXY (httpproxy L207-273 builds the matchers, L324-373 applies them) --------------------------

type NoProxyEntry =
  | { kind: 'all' }
  | { kind: 'cidr'; cidr: Cidr }
  | { kind: 'ip'; ip: IpBytes; port: string }
  | { kind: 'domain'; suffix: string; port: string; matchesItself: boolean };

function parseNoProxy(noProxy: string): NoProxyEntry[] {
  const entries: NoProxyEntry[] = [];
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    // `*` anywhere disables the proxy for everything, whatever else is listed (L221-225).
    if (entry === '*') return [{ kind: 'all' }];
    const cidr = parseCidr(entry);
    if (cidr !== undefined) {
      entries.push({ kind: 'cidr', cidr });
      continue;
    }
    const split = splitHostPort(entry);
    let host = split?.host ?? entry;
    const port = split?.port ?? '';
    if (split !== undefined && host === '') continue; // `:80`: malformed, ignored as Go does (L236-239)
    const ip = parseIp(host);
    if (ip !== undefined) {
      entries.push({ kind: 'ip', ip, port });
      continue;
    }
    if (host.startsWith('*.')) host = host.slice(1);
    const matchesItself = !host.startsWith('.');
    entries.push({ kind: 'domain', suffix: asciiName(matchesItself ? `.${host}` : host), port, matchesItself });
  }
  return entries;
}

function entryMatches(entry: NoProxyEntry, host: string, port: string, ip: IpBytes | undefined): boolean {
  switch (entry.kind) {
    case 'all':
      return true;
    case 'cidr':
      return ip !== undefined && cidrContains(entry.cidr, ip);
    case 'ip':
      return ip !== undefined && sameIp(entry.ip, ip) && (entry.port === '' || entry.port === port);
    case 'domain':
      if (ip !== undefined) return false;
      return (host.endsWith(entry.suffix) || (entry.matchesItself && host === entry.suffix.slice(1)))
        && (entry.port === '' || entry.port === port);
  }
}

/** Go's config.useProxy(canonicalAddr(url)) (httpproxy L170-205). */
function useProxy(scheme: string, urlHost: string, noProxy: string): boolean {
  const { hostname, port: written } = goHostnameAndPort(urlHost);
  const port = written === '' ? (DEFAULT_PORTS[scheme] ?? '') : written;
  const host = asciiName(hostname);
  // Compared as written: Go's check is case-sensitive here (only NO_PROXY matching lower-cases).
  if (host === 'localhost') return false;
  const ip = parseIp(host.replace(/%.*$/, ''));
  if (ip !== undefined && isLoopback(ip)) return false;
  const lower = host.trim().toLowerCase();
  return !parseNoProxy(noProxy).some((entry) => entryMatches(entry, lower, port, ip));
}

// ---- the proxy URL ----------------------------------------------------------------------------------

/** The value as a message may show it: userinfo (a password) replaced. */
function shownValue(value: string): string {
  return value.replace(/^([^/]*\/\/)?[^/@]*@/, `$1${REDACTED}@`);
}

function proxyConfigError(variable: ProxyVariable, why: string): AuthError {
  return new AuthError('http/proxy-config', `${variable.name}=${shownValue(variable.value)}: ${why}`);
}

function tryGoParse(raw: string): GoUrl | undefined {
  try {
    return goParseUrl(raw);
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** Go's parseProxy (httpproxy L147-165), then what the transport needs: a scheme it speaks, a host, a port. */
function parseProxyVariable(variable: ProxyVariable): ProxyTarget {
  const expected = 'expected a proxy URL such as http://proxy.example:3128 (or host:port, which means http://)';
  let url = tryGoParse(variable.value);
  if (url === undefined || url.scheme === '' || url.host === '') url = tryGoParse(`http://${variable.value}`) ?? url;
  if (url === undefined || url.host === '') throw proxyConfigError(variable, `${expected}, got no host in it`);
  if (url.scheme !== 'http' && url.scheme !== 'https') {
    throw proxyConfigError(variable, `the reference client speaks to http:// and https:// proxies, got scheme ${JSON.stringify(url.scheme)}`);
  }
  const { hostname, port } = goHostnameAndPort(url.host);
  const portNumber = port === '' ? Number(DEFAULT_PORTS[url.scheme]) : Number(port);
  if (hostname === '' || !(portNumber >= 1 && portNumber <= 65535)) {
    throw proxyConfigError(variable, `${expected}, got host ${JSON.stringify(hostname)} and port ${JSON.stringify(port)}`);
  }
  let authorization: string | undefined;
  if (url.userinfo !== undefined) {
    const colon = url.userinfo.indexOf(':');
    const [user, pass] = colon === -1 ? [url.userinfo, ''] : [url.userinfo.slice(0, colon), url.userinfo.slice(colon + 1)];
    try {
      authorization = `Basic ${Buffer.from(`${goPathUnescape(user)}:${goPathUnescape(pass)}`, 'utf8').toString('base64')}`;
    } catch (err) {
      if (err instanceof ProtocolError) throw proxyConfigError(variable, `${expected}, got user information with a malformed %-escape`);
      throw err;
    }
  }
  const dialHost = asciiName(hostname);
  const shownHost = dialHost.includes(':') ? `[${dialHost}]` : dialHost;
  return {
    scheme: url.scheme, hostname: dialHost, port: portNumber, display: `${url.scheme}://${shownHost}:${portNumber}`,
    variable: variable.name, authorization,
  };
}

/**
 * Go's proxyForURL (httpproxy L127-145) for a request URL given as its scheme and Go `URL.Host`:
 * the proxy to use, or undefined for a direct connection. Throws AuthError `http/proxy-config` where
 * Go returns an error (CGI) or where the variable cannot be used (see the file comment).
 */
export function proxyForUrl(settings: ProxySettings, scheme: string, urlHost: string): ProxyTarget | undefined {
  const variable = scheme === 'https' ? settings.httpsProxy : scheme === 'http' ? settings.httpProxy : undefined;
  if (variable === undefined) return undefined;
  if (scheme === 'http' && settings.cgi) {
    throw proxyConfigError(variable, 'refusing to use HTTP_PROXY value in CGI environment (REQUEST_METHOD is set); see golang.org/s/cgihttpproxy');
  }
  if (!useProxy(scheme, urlHost, settings.noProxy)) return undefined;
  return parseProxyVariable(variable);
}
