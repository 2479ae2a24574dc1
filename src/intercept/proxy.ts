/**
 * The intercepting proxy: the client under test runs unmodified, talks to `https://ollama.com` and
 * `https://registry.ollama.ai` through HTTPS_PROXY, and this proxy hands its requests to loopback
 * upstreams (the conformance server) with the Host header and request target exactly as the client sent
 * them. So the code that is judged is the code that ships: real host names, port-443 realm comparison,
 * TLS verification, proxy and CA handling of the client's own HTTP stack.
 *
 * What reaches the proxy:
 *  - `CONNECT <routed name>:443` → 200, TLS terminated with the name's leaf from the per-run CA, HTTP/1.1
 *    inside (keep-alive), each request forwarded with `X-Oac-Intercept-Scheme: https`;
 *  - `CONNECT <routed name>:80` (undici tunnels plain http too) and absolute-form `GET http://<routed
 *    name>/…` → forwarded with `X-Oac-Intercept-Scheme: http`;
 *  - anything else (another host, another port, an IP literal, an origin-form request to the proxy
 *    itself) → 403 with a one-line reason, observed as `refused`, never resolved, never contacted.
 * A client can not forge the scheme marker: every `X-Oac-Intercept-*` header it sends is dropped.
 *
 * For `oac record --intercept` a route may instead forward to the name's real https origin (TLS verified
 * against Node's public roots or a given CA, optionally dialled at a stand-in's address, like curl's
 * --connect-to), and an `onExchange` hook receives every forwarded exchange in full, as the client sent
 * it and as the upstream answered, so the recorder can save it. Such a route forwards https only (plain
 * http to the real service is refused), and adds no marker header: the upstream is not ours.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { HarnessError } from '../errors.js';
import { assertRoutableHostname, type InterceptCa } from './ca.js';
import { credentialKind, type CredentialKind } from '../redaction/index.js';
import {
  isIpLiteral, parseAbsoluteForm, parseConnectAuthority, parseDialAddress, parseLoopbackUpstream, SCHEME_OF_PORT,
  type Destination, type InterceptScheme,
} from './destination.js';

/** Added by the proxy to every forwarded request; the upstream reads it to know the client's scheme. */
export const INTERCEPT_SCHEME_HEADER = 'X-Oac-Intercept-Scheme';
const INTERCEPT_HEADER_PREFIX = 'x-oac-intercept-';

interface InterceptRoute {
  /** The public name the client uses, e.g. `registry.ollama.ai`. */
  hostname: string;
  /** A loopback http origin that answers for it, e.g. the conformance server `http://127.0.0.1:PORT`. */
  upstream: string;
}

/** Where a route to the real https origin of its name connects, and what it trusts. */
interface HttpsUpstream {
  /** PEM CA certificate(s) trusted instead of Node's public roots (a stand-in's private CA). */
  ca?: string | Buffer;
  /** `host:port` to dial instead of resolving the name (curl's --connect-to); TLS still verifies the name. */
  dial?: string;
}

/** A route to `https://<hostname>:443` itself (or the stand-in `dial` names), with TLS verification. */
interface HttpsInterceptRoute {
  hostname: string;
  https: HttpsUpstream;
}

/**
 * One forwarded exchange in full, for the recorder: the request as the client sent it (before the proxy
 * removed hop-by-hop headers), the response as the upstream sent it (bodies as bytes, not decoded).
 */
export interface InterceptedExchange {
  /** Arrival order of the request at the proxy, from 1. */
  sequence: number;
  scheme: InterceptScheme;
  /** The routed name. */
  hostname: string;
  method: string;
  /** The origin-form request target, exactly as sent. */
  target: string;
  /** The Host header as sent, if any. */
  host: string | undefined;
  requestHeaders: string[];
  requestBody: Buffer;
  status: number;
  statusText: string;
  responseHeaders: string[];
  responseBody: Buffer;
  /** A body was longer than the capture limit: what is kept is its start only. */
  truncated: boolean;
  /** ms since the epoch: the request arrived, the response ended. */
  startedAt: number;
  endedAt: number;
}

export type InterceptObservation =
  | { kind: 'tunnel'; destination: string; scheme: InterceptScheme }
  | { kind: 'forwarded'; destination: string; scheme: InterceptScheme; method: string; target: string; host: string | undefined; status: number }
  | { kind: 'refused'; destination: string; method: string; reason: string; credentialKind?: CredentialKind; target?: string }
  | { kind: 'tls-failed'; destination: string; reason: string }
  | { kind: 'upstream-error'; destination: string; method: string; target: string; reason: string };

interface InterceptCounts {
  /** Every CONNECT and every request on the proxy port: zero means the client did not use the proxy. */
  proxyRequests: number;
  tunnels: number;
  forwarded: number;
  refused: number;
  tlsFailures: number;
  upstreamErrors: number;
}

export interface InterceptProxy {
  /** `http://127.0.0.1:PORT`, the value of HTTPS_PROXY and friends. */
  url: string;
  port: number;
  counts(): InterceptCounts;
  observations(): readonly InterceptObservation[];
  /** Forwarded requests whose response has not ended yet (an exchange still being captured). */
  inFlight(): number;
  close(): Promise<void>;
}

export interface InterceptProxyOptions {
  routes: readonly (InterceptRoute | HttpsInterceptRoute)[];
  /** From createInterceptCa(): one leaf per routed host name. */
  ca: InterceptCa;
  onObservation?: (observation: InterceptObservation) => void;
  /** Receives each forwarded exchange once its response has ended (bodies kept up to maxCapturedBodyBytes). */
  onExchange?: (exchange: InterceptedExchange) => void;
  /** Per body, default 16 MiB: a recording of a larger body is refused by the recorder, never silently cut. */
  maxCapturedBodyBytes?: number;
}

interface TunnelInfo {
  destination: Destination;
  scheme: InterceptScheme;
}

interface ResolvedRoute {
  upstream: { host: string; port: number };
  secureContext: SecureContext;
  /** Set for a route to the real https origin: the name TLS verifies, and the CA to trust. */
  tls?: { servername: string; ca: string | Buffer | undefined };
}

const DEFAULT_CAPTURE_LIMIT = 16 * 1024 * 1024;

/** Headers that describe one connection, not the message: never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'upgrade']);

/** Where a route's requests go: a loopback http upstream, or the name's https origin (maybe dialled elsewhere). */
function routeUpstream(route: InterceptRoute | HttpsInterceptRoute): Pick<ResolvedRoute, 'upstream' | 'tls'> {
  if ('https' in route) {
    const dial = route.https.dial === undefined ? { host: route.hostname, port: 443 } : parseDialAddress(route.https.dial);
    if (dial === undefined) throw new HarnessError('intercept/route', `the dial address of ${route.hostname} must be host:port, got ${JSON.stringify(route.https.dial)}`);
    return { upstream: dial, tls: { servername: route.hostname, ca: route.https.ca } };
  }
  const upstream = parseLoopbackUpstream(route.upstream);
  if (upstream === undefined) {
    throw new HarnessError('intercept/route', `the upstream of ${route.hostname} must be a loopback http origin such as "http://127.0.0.1:8080", got ${JSON.stringify(route.upstream)}`);
  }
  return { upstream };
}

function resolveRoutes(routes: readonly (InterceptRoute | HttpsInterceptRoute)[], ca: InterceptCa): Map<string, ResolvedRoute> {
  if (routes.length === 0) throw new HarnessError('intercept/route', 'expected at least one route (hostname → loopback upstream), got none');
  const resolved = new Map<string, ResolvedRoute>();
  for (const route of routes) {
    assertRoutableHostname(route.hostname);
    const target = routeUpstream(route);
    const leaf = ca.leaves.get(route.hostname);
    if (!leaf) throw new HarnessError('intercept/route', `the per-run CA has no certificate for ${route.hostname}: pass it to createInterceptCa({ hostnames })`);
    if (resolved.has(route.hostname)) throw new HarnessError('intercept/route', `${route.hostname} is routed twice`);
    resolved.set(route.hostname, { ...target, secureContext: createSecureContext({ cert: leaf.cert, key: leaf.key }) });
  }
  return resolved;
}

/** The client's headers, minus hop-by-hop ones and any forged intercept marker, plus ours (not for an upstream that is not ours). */
function forwardedHeaders(rawHeaders: readonly string[], scheme: InterceptScheme, marker = true): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || name.startsWith(INTERCEPT_HEADER_PREFIX)) continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  if (marker) out.push(INTERCEPT_SCHEME_HEADER, scheme);
  return out;
}

/** Chunks of one body, kept up to a limit; the rest is counted as truncation. */
class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function responseHeaders(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (HOP_BY_HOP.has(rawHeaders[i].toLowerCase())) continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) return rawHeaders[i + 1];
  return undefined;
}

export async function startInterceptProxy(options: InterceptProxyOptions): Promise<InterceptProxy> {
  const capture = options.onExchange === undefined ? undefined : { onExchange: options.onExchange, limit: options.maxCapturedBodyBytes ?? DEFAULT_CAPTURE_LIMIT };
  const proxy = new InterceptProxyServer(resolveRoutes(options.routes, options.ca), options.onObservation, capture);
  return proxy.listen();
}

interface CaptureSettings {
  onExchange: (exchange: InterceptedExchange) => void;
  limit: number;
}

/** One proxy: the outer server (absolute-form requests and CONNECT), and the inner one for requests inside tunnels. */
class InterceptProxyServer {
  private readonly seen: InterceptObservation[] = [];
  private readonly counts: InterceptCounts = { proxyRequests: 0, tunnels: 0, forwarded: 0, refused: 0, tlsFailures: 0, upstreamErrors: 0 };
  private readonly tunnels = new WeakMap<Socket, TunnelInfo>();
  private readonly usedTunnels = new WeakSet<Socket>();
  private readonly sockets = new Set<Socket>();
  private readonly routedNames: string;
  private sequence = 0;
  private pending = 0;
  // Requests inside accepted tunnels (TLS-terminated or plain): origin-form, the routed name known from CONNECT.
  private readonly inner = http.createServer((req, res) => this.onTunnelledRequest(req, res));
  private readonly outer = http.createServer((req, res) => this.onProxyRequest(req, res));

  constructor(
    private readonly routes: Map<string, ResolvedRoute>,
    private readonly onObservation: ((o: InterceptObservation) => void) | undefined,
    private readonly capture: CaptureSettings | undefined = undefined,
  ) {
    this.routedNames = [...routes.keys()].join(', ');
    this.inner.on('clientError', (_err, socket) => socket.destroy());
    this.outer.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.outer.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => this.onConnect(req, socket, head));
  }

  async listen(): Promise<InterceptProxy> {
    await new Promise<void>((resolve, reject) => {
      this.outer.once('error', (err) => reject(new HarnessError('intercept/listen', `the intercept proxy could not listen on 127.0.0.1: ${err.message}`, { cause: err })));
      this.outer.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (this.outer.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      counts: () => ({ ...this.counts }),
      observations: () => [...this.seen],
      inFlight: () => this.pending,
      close: async () => {
        for (const socket of this.sockets) socket.destroy();
        this.inner.closeAllConnections();
        await new Promise<void>((resolve) => this.outer.close(() => resolve()));
      },
    };
  }

  private observe(observation: InterceptObservation): void {
    this.seen.push(observation);
    const c = this.counts;
    if (observation.kind === 'tunnel') c.tunnels++;
    else if (observation.kind === 'forwarded') c.forwarded++;
    else if (observation.kind === 'refused') c.refused++;
    else if (observation.kind === 'tls-failed') c.tlsFailures++;
    else c.upstreamErrors++;
    this.onObservation?.(observation);
  }

  /** Why a destination is not served, or undefined when it is (a routed name on 443 or 80). */
  private refusalReason(destination: Destination): string | undefined {
    if (isIpLiteral(destination.hostname)) return `${destination.written} is an IP address; intercept mode serves only ${this.routedNames}`;
    if (!this.routes.has(destination.hostname)) return `${destination.hostname} is not an intercepted host (only ${this.routedNames})`;
    if (SCHEME_OF_PORT[destination.port] === undefined) return `port ${destination.port} of ${destination.hostname} is not intercepted (only 443 for https, 80 for http)`;
    return undefined;
  }

  /** The upstream request: plain http to a loopback upstream, or https with verification to the real origin. */
  private upstreamRequest(route: ResolvedRoute, req: http.IncomingMessage, scheme: InterceptScheme, target: string): http.ClientRequest {
    const common = {
      host: route.upstream.host, port: route.upstream.port, method: req.method, path: target, agent: false as const, setHost: false,
      headers: forwardedHeaders(req.rawHeaders, scheme, route.tls === undefined),
    };
    if (route.tls === undefined) return http.request(common);
    // SNI and the certificate check name the routed host, wherever it is dialled (Node verifies `servername`).
    return https.request({ ...common, servername: route.tls.servername, rejectUnauthorized: true, ...(route.tls.ca === undefined ? {} : { ca: route.tls.ca }) });
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, destination: Destination, scheme: InterceptScheme, target: string): void {
    const route = this.routes.get(destination.hostname)!;
    if (route.tls !== undefined && scheme !== 'https') {
      this.refuse(res, req, destination.written, `plain http to ${destination.hostname} is not forwarded to its real origin: only https is recorded`, target);
      return;
    }
    const host = headerValue(req.rawHeaders, 'host');
    const startedAt = Date.now();
    const sequence = ++this.sequence;
    const requestBody = this.capture === undefined ? undefined : new BodyCapture(this.capture.limit);
    if (requestBody !== undefined) req.on('data', (chunk: Buffer) => requestBody.push(chunk));
    const upstreamReq = this.upstreamRequest(route, req, scheme, target);
    this.pending++;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      this.pending--;
    };
    upstreamReq.on('response', (upstreamRes) => {
      this.observe({ kind: 'forwarded', destination: destination.written, scheme, method: req.method ?? '', target, host, status: upstreamRes.statusCode ?? 0 });
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders(upstreamRes.rawHeaders));
      const capture = this.capture;
      if (capture !== undefined && requestBody !== undefined) {
        const responseBody = new BodyCapture(capture.limit);
        upstreamRes.on('data', (chunk: Buffer) => responseBody.push(chunk));
        upstreamRes.on('end', () => {
          capture.onExchange({
            sequence, scheme, hostname: destination.hostname, method: req.method ?? '', target, host,
            requestHeaders: [...req.rawHeaders], requestBody: requestBody.bytes(),
            status: upstreamRes.statusCode ?? 0, statusText: upstreamRes.statusMessage ?? '',
            responseHeaders: [...upstreamRes.rawHeaders], responseBody: responseBody.bytes(),
            truncated: requestBody.truncated || responseBody.truncated, startedAt, endedAt: Date.now(),
          });
        });
      }
      upstreamRes.on('end', settle);
      upstreamRes.on('close', settle);
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (err) => {
      settle();
      const reason = `upstream ${route.upstream.host}:${route.upstream.port} for ${destination.hostname} failed: ${err.message}`;
      this.observe({ kind: 'upstream-error', destination: destination.written, method: req.method ?? '', target, reason });
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(`oac intercept proxy: ${reason}\n`);
    });
    req.pipe(upstreamReq);
  }

  /** `target`: the origin-form path of an absolute-form request, so a judge can tell a token request from another. */
  private refuse(res: http.ServerResponse, req: http.IncomingMessage, destination: string, reason: string, target?: string): void {
    this.observe({ kind: 'refused', destination, method: req.method ?? '', reason, credentialKind: credentialKind(headerValue(req.rawHeaders, 'authorization')), ...(target === undefined ? {} : { target }) });
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(`oac intercept proxy: refused: ${reason}\n`);
    req.resume();
  }

  private onTunnelledRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const tunnel = this.tunnels.get(req.socket);
    this.usedTunnels.add(req.socket);
    if (tunnel === undefined) {
      res.destroy(new Error('request on a socket that is not a tunnel'));
      return;
    }
    this.forward(req, res, tunnel.destination, tunnel.scheme, req.url ?? '/');
  }

  /** A request sent to the proxy itself: absolute-form plain http to a routed name is forwarded, the rest refused. */
  private onProxyRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.counts.proxyRequests++;
    const absolute = parseAbsoluteForm(req.url ?? '');
    if (absolute === undefined) {
      this.refuse(res, req, headerValue(req.rawHeaders, 'host') ?? '(no Host)', `origin-form request ${JSON.stringify(req.url)}: this is a proxy, send absolute-form http:// requests or CONNECT`);
      return;
    }
    if (absolute.scheme !== 'http') {
      this.refuse(res, req, absolute.destination.written, `${absolute.scheme}:// requests must be tunnelled with CONNECT`, absolute.originForm);
      return;
    }
    const reason = this.refusalReason(absolute.destination) ?? (absolute.destination.port === 80 ? undefined : `port ${absolute.destination.port} is not the http port`);
    if (reason !== undefined) {
      this.refuse(res, req, absolute.destination.written, reason, absolute.originForm);
      return;
    }
    this.forward(req, res, absolute.destination, 'http', absolute.originForm);
  }

  private onConnect(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    this.counts.proxyRequests++;
    const authority = req.url ?? '';
    const destination = parseConnectAuthority(authority);
    const reason = destination === undefined ? `CONNECT target ${JSON.stringify(authority)} is not host:port` : this.refusalReason(destination);
    socket.on('error', () => socket.destroy());
    if (destination === undefined || reason !== undefined) {
      this.observe({ kind: 'refused', destination: authority, method: 'CONNECT', reason: reason ?? 'unknown' });
      const body = `oac intercept proxy: refused: ${reason}\n`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    const scheme = SCHEME_OF_PORT[destination.port];
    this.observe({ kind: 'tunnel', destination: destination.written, scheme });
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    if (scheme === 'http') {
      this.tunnels.set(socket, { destination, scheme });
      this.inner.emit('connection', socket);
      return;
    }
    this.terminateTls(socket, destination, scheme);
  }

  /** TLS with the routed name's leaf, then HTTP/1.1 inside; a handshake the client gives up is observed. */
  private terminateTls(socket: Socket, destination: Destination, scheme: InterceptScheme): void {
    const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: this.routes.get(destination.hostname)!.secureContext, ALPNProtocols: ['http/1.1'] });
    this.tunnels.set(tlsSocket, { destination, scheme });
    let secured = false;
    let failed = false;
    tlsSocket.once('secure', () => { secured = true; });
    tlsSocket.on('error', (err) => {
      // Before the handshake completes this is the client refusing our certificate (or not speaking TLS).
      if (!secured && !failed) {
        failed = true;
        this.observe({ kind: 'tls-failed', destination: destination.written, reason: err.message });
      }
      tlsSocket.destroy();
    });
    tlsSocket.once('close', () => {
      // Node's TLS client checks the certificate only once its side of the handshake is done and then just
      // closes: no alert, often no Finished either. A tunnel closed without a single request is that case.
      if (!failed && !this.usedTunnels.has(tlsSocket)) {
        const when = secured ? 'after the TLS handshake' : 'during the TLS handshake';
        this.observe({ kind: 'tls-failed', destination: destination.written, reason: `the client closed the connection ${when} without sending a request (did it refuse the per-run CA?)` });
      }
    });
    this.inner.emit('connection', tlsSocket);
  }
}
