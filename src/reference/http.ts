/**
 * The one place the reference client touches the network: node:http / node:https (not fetch, so that
 * Polly's node-http adapter can record and replay it).
 *
 * Why not a library: Ollama signs URLs byte for byte, so the request line must carry what Go would send
 * (`URL.RequestURI()`: the EscapedPath and the raw query as written; WHATWG `URL` would re-encode and
 * remove dot segments), `Host` must be the raw authority (Go's `URL.Host`: case and `:443` kept), and
 * redirects must drop credentials on an origin change as Go's net/http does (docs/protocol.md §1.1 step 4, F-12).
 *
 * Proxies as Go's http.DefaultTransport uses them (Ollama's client goes through it): the proxy is chosen
 * per request URL from the environment by proxy-env.ts; an https URL goes through `CONNECT host:port` and
 * TLS to the target inside the tunnel (same CA, client certificate, TLS version and name check as a direct
 * request: the name checked is the target's, never the proxy's); an http URL goes to the proxy as an
 * absolute-form request. Everything a caller sees (URL, redirects, errors) stays about the target URL.
 *
 * Nothing here logs: request headers carry signatures, tokens and passwords.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { AuthError, ProtocolError } from '../errors.js';
import { goParseUrl, goRequestUri, goUrlString, type GoUrl } from '../protocol/go-url.js';
import { redactUserinfo } from '../redaction/index.js';
import { canonicalAddr, proxyForUrl, proxySettingsFromEnv, type ProxyTarget } from './proxy-env.js';

export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the system store (a private registry, the test CA). */
  ca?: string | Buffer;
  /** PEM client certificate for mTLS (with `key`). */
  cert?: string | Buffer;
  /** PEM private key of the client certificate. */
  key?: string | Buffer;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Default true. Only an explicit `false` turns certificate checking off. */
  rejectUnauthorized?: boolean;
}

/** Dial another address than the URL names (curl's `--connect-to`): Host, SNI and the certificate check still use the URL's host. */
type ConnectTo = (host: string, port: number) => { host: string; port: number } | undefined;

/** Transport settings every flow passes through to sendRequest. */
export interface HttpOptions {
  tls?: TlsOptions;
  /**
   * Per hop: connect, headers and body must complete within this many ms (default 30 000); with `onData`
   * (streaming) the body may take longer as long as no gap between chunks exceeds it.
   */
  timeoutMs?: number;
  /** Name resolution override (lets a test point real host names at 127.0.0.1). */
  lookup?: LookupFunction;
  connectTo?: ConnectTo;
  /** Default 10, as Go's http.Client; 0 returns the 3xx response itself. */
  maxRedirects?: number;
  /**
   * Where HTTPS_PROXY, HTTP_PROXY, NO_PROXY and REQUEST_METHOD are read (rules: proxy-env.ts): the process
   * environment by default, as Go's http.ProxyFromEnvironment; `false` never uses a proxy. A request with
   * `lookup` or `connectTo` never uses one either: its caller has already chosen where to dial.
   */
  proxyEnv?: Readonly<Record<string, string | undefined>> | false;
}

export interface HttpRequest extends HttpOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /**
   * Called with each body chunk of the final (non-redirect) response as it arrives, e.g. to read NDJSON
   * line by line. Throwing aborts the request and rejects `sendRequest` with that error.
   */
  onData?: (chunk: Buffer, status: number) => void;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** Lower-case names; `www-authenticate` is always an array of the raw field values when present. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The URL that produced this response (after redirects). */
  url: string;
  /** Every URL a redirect led to, in order. */
  redirects: string[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** What Go's net/http drops when a redirect leaves the original host (client.go makeHeadersCopier). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);

/** The URL for messages: userinfo (a password) never reaches an error message. */
export function displayUrl(url: string): string {
  try {
    const parsed = goParseUrl(url);
    return parsed.userinfo === undefined ? url : goUrlString({ ...parsed, userinfo: undefined });
  } catch (err) {
    // Not parseable as a URL (a control character, a bad escape): it may still hold `//user:pass@`.
    if (err instanceof ProtocolError) return redactUserinfo(url);
    throw err;
  }
}

interface Target {
  raw: GoUrl;
  scheme: 'http' | 'https';
  /** For the socket: WHATWG's hostname without IPv6 brackets. */
  hostname: string;
  port: number;
  /** Go's RequestURI(): EscapedPath + `?` + the raw query as written. */
  requestUri: string;
  origin: string;
}

function badUrl(method: string, url: string, why: string, cause?: unknown): AuthError {
  // `why` may quote the URL (Go's parse errors do): its userinfo goes too.
  return new AuthError('http/bad-url', `${method} ${displayUrl(url)}: ${redactUserinfo(why)}`, { cause });
}

function parseTarget(method: string, url: string): Target {
  let raw: GoUrl;
  try {
    raw = goParseUrl(url);
  } catch (err) {
    if (err instanceof ProtocolError) throw badUrl(method, url, err.message, err);
    throw err;
  }
  if (raw.scheme !== 'http' && raw.scheme !== 'https') {
    throw badUrl(method, url, `expected an http or https URL, got scheme ${JSON.stringify(raw.scheme)}`);
  }
  if (raw.host === '') throw badUrl(method, url, 'expected an absolute URL with a host, got none');
  const requestUri = goRequestUri(raw);
  if (/[^\x21-\x7e]/.test(requestUri)) {
    // The path is already Go's EscapedPath(); a raw query goes out as written, and the request line
    // cannot carry these bytes. Escaping them here would change what was signed.
    throw badUrl(method, url, 'the query contains a space, control or non-ASCII character: percent-encode it');
  }
  let whatwg: URL;
  try {
    whatwg = new URL(url);
  } catch (err) {
    throw badUrl(method, url, `not a valid URL (${errorMessage(err)})`, err);
  }
  const hostname = whatwg.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = whatwg.port === '' ? (raw.scheme === 'https' ? 443 : 80) : Number(whatwg.port);
  return { raw, scheme: raw.scheme, hostname, port, requestUri, origin: whatwg.origin };
}

// Node's error codes for a failed TLS handshake or certificate check (tls.TLSSocket verifyError codes).
const CERT_ERROR_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_REVOKED', 'INVALID_CA', 'HOSTNAME_MISMATCH',
]);

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** `err.message` without relying on `instanceof Error` (node's errors come from another realm under jest's vm). */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}

function tlsHint(code: string, message: string, tls: TlsOptions | undefined): string {
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || /certificate required/i.test(message)
    || (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' && tls?.cert === undefined)) {
    return '; the server may require a client certificate (pass tls.cert and tls.key)';
  }
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|WRONG_VERSION_NUMBER/i.test(code)
    || /protocol version|unsupported protocol|no protocols available|wrong version number/i.test(message)) {
    return tls?.minVersion
      ? `; the server does not offer ${tls.minVersion} or later (tls.minVersion is ${tls.minVersion})`
      : '; the client and server share no TLS version (or the server does not speak TLS)';
  }
  if (CERT_ERROR_CODES.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return '; the server certificate is not trusted for this host (pass tls.ca with the CA that signed it)';
  }
  return '';
}

/** `through the proxy http://host:port (HTTPS_PROXY): `, the prefix of an error on a proxied connection. */
function throughProxy(proxy: ProxyTarget): string {
  return `through the proxy ${proxy.display} (${proxy.variable}): `;
}

function connectionError(err: unknown, method: string, url: string, tls: TlsOptions | undefined, via = ''): AuthError {
  const code = errnoCode(err) ?? '';
  const message = errorMessage(err);
  // EPROTO carries OpenSSL's "SSL routines" text when a handshake alert arrives (e.g. protocol version).
  const isTls = code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || CERT_ERROR_CODES.has(code)
    || (code === 'EPROTO' && /SSL routines|alert/i.test(message));
  if (isTls) {
    return new AuthError('http/tls', `${method} ${displayUrl(url)}: ${via}TLS handshake failed: ${message.trim()}${tlsHint(code, message, tls)}`, { cause: err });
  }
  return new AuthError('http/connect', `${method} ${displayUrl(url)}: ${via}${message}`, { cause: err });
}

interface Hop {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  /** Empty when the body was skipped (a redirect being followed). */
  body: Buffer;
}

function responseHeaders(res: http.IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = value;
  }
  // node joins repeated WWW-Authenticate lines with ", "; the challenge parser needs each field value.
  // Read them from rawHeaders, which every IncomingMessage has (recorders such as Polly's fill it too).
  const challenges: string[] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i]!.toLowerCase() === 'www-authenticate') challenges.push(res.rawHeaders[i + 1]!);
  }
  const joined = res.headers['www-authenticate'];
  if (challenges.length > 0) headers['www-authenticate'] = challenges;
  else if (joined !== undefined) headers['www-authenticate'] = Array.isArray(joined) ? joined : [joined];
  return headers;
}

/** The headers as they go on the wire: Host as Go writes it, Content-Length from the body, never the caller's own. */
function wireHeaders(hop: Hop, target: Target): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers)) {
    if (name.toLowerCase() !== 'host' && name.toLowerCase() !== 'content-length') headers[name] = value;
  }
  // Go sends URL.Host as written (no case folding, no default-port removal), never the userinfo.
  headers['Host'] = target.raw.host;
  if (hop.body !== undefined) headers['Content-Length'] = String(hop.body.length);
  else if (['POST', 'PUT', 'PATCH'].includes(hop.method)) headers['Content-Length'] = '0';
  return headers;
}

/**
 * TLS settings for a connection whose certificate must name `name`: the caller's CA, client certificate and
 * minimum version; SNI and the name check use `name` even when the socket goes elsewhere (connectTo, a proxy).
 */
function tlsSettings(name: string, tls: TlsOptions | undefined): ConnectionOptions {
  const options: ConnectionOptions = {
    rejectUnauthorized: tls?.rejectUnauthorized !== false,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert),
  };
  if (tls?.ca !== undefined) options.ca = tls.ca;
  if (tls?.cert !== undefined) options.cert = tls.cert;
  if (tls?.key !== undefined) options.key = tls.key;
  if (tls?.minVersion !== undefined) options.minVersion = tls.minVersion;
  if (isIP(name) === 0) options.servername = name;
  return options;
}

/** How one hop reaches its target: directly, forwarded by a proxy (http), or through a CONNECT tunnel (https). */
type Route = { kind: 'direct' } | { kind: 'forward'; proxy: ProxyTarget } | { kind: 'tunnel'; proxy: ProxyTarget };

function routeOf(hop: Hop, req: HttpRequest, target: Target): Route {
  if (req.proxyEnv === false || req.lookup !== undefined || req.connectTo !== undefined) return { kind: 'direct' };
  let proxy: ProxyTarget | undefined;
  try {
    proxy = proxyForUrl(proxySettingsFromEnv(req.proxyEnv ?? process.env), target.scheme, target.raw.host);
  } catch (err) {
    if (err instanceof AuthError) throw new AuthError(err.code, `${hop.method} ${displayUrl(hop.url)}: ${err.message}`, { cause: err });
    throw err;
  }
  if (proxy === undefined) return { kind: 'direct' };
  return target.scheme === 'https' ? { kind: 'tunnel', proxy } : { kind: 'forward', proxy };
}

/** node's request options: where to dial (connectTo or a proxy may differ from the URL) and, for https, the TLS settings. */
function requestOptions(hop: Hop, req: HttpRequest, target: Target, route: Route): https.RequestOptions {
  const base = { method: hop.method, headers: wireHeaders(hop, target) };
  if (route.kind === 'forward') {
    // Go writes `scheme://Host` + RequestURI() to a proxy (request.go write, usingProxy) and adds
    // Proxy-Authorization from the proxy URL's userinfo (transport.go dialConn, targetScheme "http").
    const { proxy } = route;
    if (proxy.authorization !== undefined) {
      for (const name of Object.keys(base.headers)) if (name.toLowerCase() === 'proxy-authorization') delete base.headers[name];
      base.headers['Proxy-Authorization'] = proxy.authorization;
    }
    return {
      ...base, host: proxy.hostname, port: proxy.port, path: `${target.scheme}://${target.raw.host}${target.requestUri}`, agent: false,
      ...(proxy.scheme === 'https' ? tlsSettings(proxy.hostname, req.tls) : {}),
    };
  }
  if (route.kind === 'tunnel') {
    // The socket (TLS inside the tunnel) comes from createConnection, set by sendOnce; node writes plain HTTP on it.
    return { ...base, host: target.hostname, port: target.port, path: target.requestUri };
  }
  const connect = req.connectTo?.(target.hostname, target.port) ?? { host: target.hostname, port: target.port };
  return {
    ...base, host: connect.host, port: connect.port, path: target.requestUri, agent: false,
    ...(req.lookup ? { lookup: req.lookup } : {}),
    ...(target.scheme === 'https' ? tlsSettings(target.hostname, req.tls) : {}),
  };
}

/**
 * `CONNECT host:port` to the proxy, then TLS to the target inside the tunnel; `done` receives the TLS
 * socket (its handshake errors reach the request as a direct connection's would) or an `http/proxy` error.
 * Returns a function that abandons the CONNECT (a timeout while the proxy is silent).
 */
function openTunnel(proxy: ProxyTarget, target: Target, hop: Hop, req: HttpRequest, done: (err: unknown, socket?: Duplex) => void): () => void {
  // Go names the target as canonicalAddr(URL) in both the request line and Host (transport.go dialConn).
  const authority = canonicalAddr(target.scheme, target.raw.host);
  const headers: Record<string, string> = { Host: authority };
  if (proxy.authorization !== undefined) headers['Proxy-Authorization'] = proxy.authorization;
  const prefix = `${hop.method} ${displayUrl(hop.url)}: `;
  const connectRequest = (proxy.scheme === 'https' ? https : http).request({
    method: 'CONNECT', host: proxy.hostname, port: proxy.port, path: authority, headers, agent: false,
    ...(proxy.scheme === 'https' ? tlsSettings(proxy.hostname, req.tls) : {}),
  });
  connectRequest.on('connect', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Go accepts exactly 200 (transport.go dialConn: `resp.StatusCode != 200`).
    if (res.statusCode !== 200) {
      socket.destroy();
      const seen = `${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim();
      const hint = res.statusCode !== 407 ? ''
        : proxy.authorization === undefined
          ? `; the proxy wants credentials: put them in ${proxy.variable} as http://user:password@host:port`
          : `; it did not accept the credentials in ${proxy.variable}`;
      done(new AuthError('http/proxy', `${prefix}the proxy ${proxy.display} (${proxy.variable}) refused CONNECT ${authority}: expected 200, got ${JSON.stringify(seen)}${hint}`));
      return;
    }
    if (head.length > 0) socket.unshift(head);
    done(null, tlsConnect({ socket, ...tlsSettings(target.hostname, req.tls) }));
  });
  connectRequest.on('error', (err) => {
    done(new AuthError('http/proxy', `${prefix}proxyconnect tcp: cannot reach the proxy ${proxy.display} (${proxy.variable}): ${errorMessage(err)}`, { cause: err }));
  });
  connectRequest.end();
  return () => connectRequest.destroy();
}

/** Why the request was torn down by us (timeout, onData threw): wins over whatever error node reports after. */
type OwnReason = { kind: 'timeout'; what: string } | { kind: 'aborted'; error: unknown } | undefined;

function failureOf(err: unknown, ourReason: OwnReason, hop: Hop, req: HttpRequest, route: Route): unknown {
  if (ourReason?.kind === 'timeout') return new AuthError('http/timeout', `${hop.method} ${displayUrl(hop.url)}: ${ourReason.what}`, { cause: err });
  if (ourReason?.kind === 'aborted') return ourReason.error;
  // openTunnel's own errors already say what the proxy did.
  if (err instanceof AuthError) return err;
  return connectionError(err, hop.method, hop.url, req.tls, route.kind === 'forward' ? throughProxy(route.proxy) : '');
}

/**
 * node refuses some requests synchronously: a space in the path (ERR_UNESCAPED_CHARACTERS), a control
 * character in a header value (its message names the header, never the value).
 */
function refusedByNode(err: unknown, hop: Hop): AuthError {
  const why = errorMessage(err);
  return errnoCode(err) === 'ERR_UNESCAPED_CHARACTERS'
    ? badUrl(hop.method, hop.url, why, err)
    : new AuthError('http/bad-request', `${hop.method} ${displayUrl(hop.url)}: ${why}`, { cause: err });
}

function sendOnce(hop: Hop, req: HttpRequest, follow: (status: number, location: string | undefined) => boolean): Promise<RawResponse> {
  const target = parseTarget(hop.method, hop.url);
  const route = routeOf(hop, req, target);
  const options = requestOptions(hop, req, target, route);
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Through a tunnel node speaks plain HTTP over the TLS socket openTunnel made; forwarded, it speaks the proxy's scheme.
  const transport = route.kind === 'tunnel' ? http
    : route.kind === 'forward' ? (route.proxy.scheme === 'https' ? https : http)
      : target.scheme === 'https' ? https : http;

  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let ourReason: OwnReason;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      fn();
    };
    const fail = (err: unknown): void => finish(() => reject(failureOf(err, ourReason, hop, req, route)));

    let abandonTunnel: (() => void) | undefined;
    if (route.kind === 'tunnel') {
      options.createConnection = (_opts, oncreate) => {
        abandonTunnel = openTunnel(route.proxy, target, hop, req, (err, socket) => {
          abandonTunnel = undefined;
          if (socket !== undefined) oncreate(null, socket);
          else oncreate(err as Error, undefined as never);
        });
        return undefined;
      };
    }

    let request: http.ClientRequest;
    try {
      request = transport.request(options);
    } catch (err) {
      finish(() => reject(refusedByNode(err, hop)));
      return;
    }
    const arm = (what: string): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        ourReason = { kind: 'timeout', what };
        request.destroy(new Error(`timed out after ${timeoutMs} ms`));
        // A request still waiting for its tunnel has no socket to destroy: end the CONNECT instead.
        abandonTunnel?.();
      }, timeoutMs);
    };
    arm(`no complete response within ${timeoutMs} ms`);
    request.on('error', fail);
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const base = { status, statusText: res.statusMessage ?? '', headers: responseHeaders(res) };
      const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
      if (follow(status, location)) {
        res.resume();
        res.on('end', () => finish(() => resolve({ ...base, body: Buffer.alloc(0) })));
        res.on('error', fail);
        return;
      }
      const chunks: Buffer[] = [];
      // A stream read with onData may run long (a chat generating); it only fails when it stalls.
      const stalled = `the response body stalled for ${timeoutMs} ms`;
      if (req.onData) arm(stalled);
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (req.onData) {
          arm(stalled);
          try {
            req.onData(chunk, status);
          } catch (err) {
            ourReason = { kind: 'aborted', error: err };
            request.destroy(new Error('aborted: onData threw'));
          }
        }
      });
      res.on('end', () => finish(() => resolve({ ...base, body: Buffer.concat(chunks) })));
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error('connection closed before the response body was complete'));
      });
    });
    request.end(hop.body);
  });
}

function isSameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/**
 * Send one request, following redirects as Go's http.Client does: 301/302/303 turn a non-GET/HEAD
 * request into a body-less GET, 307/308 repeat method and body; once a redirect leaves the original
 * origin (scheme, host or port), Authorization, Cookie and WWW-Authenticate are dropped for the rest
 * of the chain, so a token or signature never reaches another origin.
 */
export async function sendRequest(req: HttpRequest): Promise<HttpResponse> {
  const maxRedirects = req.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const firstTarget = parseTarget(req.method, req.url);
  let hop: Hop = {
    method: req.method,
    url: req.url,
    headers: { ...(req.headers ?? {}) },
    body: toBuffer(req.body),
  };
  const redirects: string[] = [];
  let credentialsDropped = false;
  for (;;) {
    const canFollow = maxRedirects > 0;
    const raw = await sendOnce(hop, req, (status, location) => canFollow && REDIRECT_STATUSES.has(status) && location !== undefined);
    const location = raw.headers['location'];
    if (!(canFollow && REDIRECT_STATUSES.has(raw.status) && typeof location === 'string')) {
      return { ...raw, url: hop.url, redirects };
    }
    if (redirects.length >= maxRedirects) {
      throw new AuthError(
        'http/too-many-redirects',
        `${req.method} ${displayUrl(req.url)}: stopped after ${maxRedirects} redirects (the last pointed to ${displayUrl(location)})`,
        { status: raw.status },
      );
    }
    let next: string;
    try {
      next = new URL(location, hop.url).href;
    } catch (err) {
      throw badUrl(hop.method, hop.url, `redirect Location ${JSON.stringify(location)} is not a URL`, err);
    }
    redirects.push(next);
    if (!credentialsDropped && !isSameOrigin(firstTarget.origin, next)) credentialsDropped = true;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(hop.headers)) {
      if (credentialsDropped && CREDENTIAL_HEADERS.has(name.toLowerCase())) continue;
      headers[name] = value;
    }
    let { method, body } = hop;
    if (raw.status === 301 || raw.status === 302 || raw.status === 303) {
      if (method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'content-type') delete headers[name];
        }
      }
    }
    hop = { method, url: next, headers, body };
  }
}

/** A request header's value, name compared case-insensitively. */
export function requestHeader(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Sent unless the caller gives its own; Polly matching and server logs can tell the reference client apart. */
export const DEFAULT_USER_AGENT = 'ollama-auth-conformance-reference/0.1';

/** Later records win; names compare case-insensitively (the later spelling is kept). */
export function mergeHeaders(...sources: Array<Record<string, string> | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) {
    for (const [name, value] of Object.entries(source ?? {})) {
      for (const existing of Object.keys(out)) {
        if (existing.toLowerCase() === name.toLowerCase()) delete out[existing];
      }
      out[name] = value;
    }
  }
  return out;
}

export function toBuffer(body: Buffer | string | undefined): Buffer | undefined {
  return body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
}

/**
 * `base` + `path` for the flows that take a base URL (`https://ollama.com`) and an API path (`/api/tags`,
 * possibly with a query). A base with a query or fragment is refused: where would `path` go?
 */
export function joinUrl(baseUrl: string, path: string): string {
  if (/[?#]/.test(baseUrl)) {
    throw new AuthError('http/bad-url', `base URL ${displayUrl(baseUrl)} must not carry a query or fragment; put them in the path`);
  }
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}
