/**
 * The `error` verdict of an intercept run in which no request reached the proxy, and what to set per
 * stack. Every line was checked on Node 20.20, curl 7.88, Debian's python3-requests 2.28 and
 * python3-httpx 0.23, Go 1.19 and undici 7.30 (test/intercept/variables.test.ts is the table behind it):
 * change a claim here only together with a row there.
 */
import { OacError } from '../errors.js';

const PROXY_NOT_USED_CODE = 'intercept/proxy-not-used';

const PROXY_STACK_NOTES: readonly string[] = [
  'Go net/http: http.DefaultTransport reads HTTPS_PROXY/https_proxy (HTTP_PROXY for http://; ALL_PROXY is ignored); a Transport you build yourself needs Proxy: http.ProxyFromEnvironment. crypto/x509 reads SSL_CERT_FILE.',
  'Python requests: reads HTTPS_PROXY, https_proxy or ALL_PROXY unless the Session has trust_env = False or proxies= overrides it; trusts REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE), not SSL_CERT_FILE, unless verify= names another file.',
  'Python httpx: trust_env=True (the default) reads HTTPS_PROXY or ALL_PROXY and SSL_CERT_FILE; REQUESTS_CA_BUNDLE is not read.',
  'curl: reads https_proxy/HTTPS_PROXY/ALL_PROXY for https://, but only lower-case http_proxy for http:// (upper-case HTTP_PROXY is ignored); trusts CURL_CA_BUNDLE (this build also SSL_CERT_FILE); --noproxy, -x or --proxy in the command override all of this.',
  "Node: fetch and http(s) ignore proxy variables before Node 24's NODE_USE_ENV_PROXY=1 (Node 20 ignores it, checked); set undici's EnvHttpProxyAgent as the dispatcher (setGlobalDispatcher(new EnvHttpProxyAgent()) from the undici package; it reads HTTPS_PROXY/https_proxy, not ALL_PROXY). NODE_EXTRA_CA_CERTS is read once at start-up, SSL_CERT_FILE is not.",
];

/** The message a user sees: what happened, why it matters, what to set, stack by stack. */
export function proxyNotUsedMessage(command: string, proxyUrl: string): string {
  return [
    `the client did not use the proxy: no request reached the intercept proxy at ${proxyUrl} while running ${command}.`,
    'In intercept mode the client must reach https://ollama.com and https://registry.ollama.ai through HTTPS_PROXY and trust the per-run CA; a client that connects directly is not judged (and here could reach nothing).',
    'The harness set HTTPS_PROXY/https_proxy, HTTP_PROXY/http_proxy, ALL_PROXY/all_proxy, cleared NO_PROXY/no_proxy, and pointed SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and NODE_EXTRA_CA_CERTS at the CA bundle. What each stack needs:',
    ...PROXY_STACK_NOTES.map((note) => `  - ${note}`),
  ].join('\n');
}

/** Raised (or turned into an `error` verdict) when an intercept run counted zero proxy requests. */
export class ProxyNotUsedError extends OacError {
  constructor(command: string, proxyUrl: string) {
    super(PROXY_NOT_USED_CODE, proxyNotUsedMessage(command, proxyUrl));
  }
}
