/**
 * Intercept mode: judge a client as it ships. A per-run CA, a proxy that terminates TLS for the public
 * Ollama host names and hands the requests to loopback upstreams, the client environment that points every
 * common HTTP stack at it, and the error for a client that never used it. See the README, "Judge your
 * client as it ships".
 */
export { createInterceptCa, type InterceptCa } from './ca.js';
export { applyInterceptEnvironment } from './environment.js';
export { proxyNotUsedMessage } from './guidance.js';
export { INTERCEPT_SCHEME_HEADER, startInterceptProxy, type InterceptObservation, type InterceptProxy } from './proxy.js';
