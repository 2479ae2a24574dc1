/**
 * The environment a client runs in under intercept mode: the proxy variables every common HTTP stack
 * reads, in both cases (curl ignores upper-case HTTP_PROXY; Go and Python read either), no NO_PROXY
 * exceptions, and the per-run CA bundle under each stack's variable. test/intercept/ checks each stack
 * against this exact environment.
 */

const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY'] as const;
const NO_PROXY_VARIABLES = ['NO_PROXY', 'no_proxy'] as const;
/** One file, four names: Go/OpenSSL/httpx, Node (read at start-up), Python requests, curl. */
const CA_VARIABLES = ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] as const;

/**
 * Variables removed from the client's environment: with REQUEST_METHOD set (a CGI environment) Go's
 * ProxyFromEnvironment and Python's urllib ignore upper-case HTTP_PROXY (the "httpoxy" mitigation).
 */
const INTERCEPT_UNSET_VARIABLES: readonly string[] = ['REQUEST_METHOD'];

/** The variables to set, both cases; NO_PROXY/no_proxy set to the empty string (no exceptions). */
export function interceptEnvironment(proxyUrl: string, caBundlePath: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) {
    env[name] = proxyUrl;
    env[name.toLowerCase()] = proxyUrl;
  }
  for (const name of NO_PROXY_VARIABLES) env[name] = '';
  for (const name of CA_VARIABLES) env[name] = caBundlePath;
  // Node 24+ makes fetch and http(s) honour HTTP(S)_PROXY with this; older Node ignores it (see the guidance).
  env.NODE_USE_ENV_PROXY = '1';
  return env;
}

/** `base` (the scenario's environment) with the intercept variables laid over it and the CGI marker removed. */
export function applyInterceptEnvironment(base: NodeJS.ProcessEnv, proxyUrl: string, caBundlePath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...interceptEnvironment(proxyUrl, caBundlePath) };
  for (const name of INTERCEPT_UNSET_VARIABLES) delete env[name];
  return env;
}
