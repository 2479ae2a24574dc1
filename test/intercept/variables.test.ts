/**
 * Which variable each stack really honours, verified on this machine rather than taken from its docs:
 * the claims of PROXY_NOT_USED_GUIDANCE rest on this table. Each row starts from PATH + HOME and sets only
 * the variables named, so a row that says "reached" proves that variable alone is enough, and one that says
 * "bypassed" or "untrusted" proves the stack ignores it.
 *
 *   reached    the stub answered through a tunnel the proxy opened;
 *   bypassed   nothing reached the proxy (the stack went direct and hit the test's DNS guard);
 *   untrusted  the proxy saw the CONNECT but the client refused the per-run CA (TLS handshake failed).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { runProcess } from '../helpers/process.js';
import { startInterceptFixture, stackCommand, type InterceptFixture, type StackName } from './helpers.js';

type Outcome = 'reached' | 'bypassed' | 'untrusted';

let fixture: InterceptFixture;
beforeAll(async () => {
  fixture = await startInterceptFixture();
});
afterAll(async () => {
  await fixture.stop();
});

const PROXY_NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const CA_NAMES = ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'];

/** Only `proxy` among the proxy variables and only `ca` among the CA variables ('all' = every one). */
function envWith(proxy: string, ca: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: fixture.home, NO_PROXY: '', no_proxy: '' };
  for (const name of proxy === 'all' ? PROXY_NAMES : [proxy]) env[name] = fixture.proxy.url;
  for (const name of ca === 'all' ? CA_NAMES : [ca]) env[name] = fixture.ca.bundlePath;
  return env;
}

async function outcomeOf(stack: StackName, url: string, env: NodeJS.ProcessEnv): Promise<Outcome | string> {
  const before = fixture.proxy.counts();
  const { command, args, env: runEnv, timeoutMs } = stackCommand(stack, [url], fixture, env);
  const run = await runProcess(command, args, { env: runEnv, timeoutMs });
  // The proxy sees the client's side of a closed connection a moment after the client exited.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = fixture.proxy.counts();
  if (run.code === 0 && after.forwarded === before.forwarded + 1) return 'reached';
  if (run.code !== 0 && after.proxyRequests === before.proxyRequests) return 'bypassed';
  if (run.code !== 0 && after.tlsFailures === before.tlsFailures + 1) return 'untrusted';
  return `unexpected: exit ${run.code}, counts ${JSON.stringify(before)} -> ${JSON.stringify(after)}, stderr ${run.stderr.trim()}`;
}

const HTTPS = 'https://ollama.com/api/tags';
const HTTP = 'http://ollama.com/api/tags';

// [stack, url, proxy variable, CA variable, outcome]
const ROWS: Array<[StackName, string, string, string, Outcome]> = [
  ['curl', HTTPS, 'HTTPS_PROXY', 'all', 'reached'],
  ['curl', HTTPS, 'https_proxy', 'all', 'reached'],
  ['curl', HTTPS, 'ALL_PROXY', 'all', 'reached'],
  ['curl', HTTP, 'HTTP_PROXY', 'all', 'bypassed'],
  ['curl', HTTP, 'http_proxy', 'all', 'reached'],
  ['curl', HTTPS, 'all', 'CURL_CA_BUNDLE', 'reached'],
  ['curl', HTTPS, 'all', 'SSL_CERT_FILE', 'reached'],
  ['curl', HTTPS, 'all', 'REQUESTS_CA_BUNDLE', 'untrusted'],

  ['requests', HTTPS, 'HTTPS_PROXY', 'all', 'reached'],
  ['requests', HTTPS, 'https_proxy', 'all', 'reached'],
  ['requests', HTTPS, 'ALL_PROXY', 'all', 'reached'],
  ['requests', HTTP, 'HTTP_PROXY', 'all', 'reached'],
  ['requests', HTTPS, 'all', 'REQUESTS_CA_BUNDLE', 'reached'],
  ['requests', HTTPS, 'all', 'CURL_CA_BUNDLE', 'reached'],
  ['requests', HTTPS, 'all', 'SSL_CERT_FILE', 'untrusted'],

  ['httpx', HTTPS, 'HTTPS_PROXY', 'all', 'reached'],
  ['httpx', HTTPS, 'ALL_PROXY', 'all', 'reached'],
  ['httpx', HTTP, 'HTTP_PROXY', 'all', 'reached'],
  ['httpx', HTTPS, 'all', 'SSL_CERT_FILE', 'reached'],
  ['httpx', HTTPS, 'all', 'REQUESTS_CA_BUNDLE', 'untrusted'],

  ['go', HTTPS, 'HTTPS_PROXY', 'all', 'reached'],
  ['go', HTTPS, 'https_proxy', 'all', 'reached'],
  ['go', HTTPS, 'ALL_PROXY', 'all', 'bypassed'],
  ['go', HTTP, 'HTTP_PROXY', 'all', 'reached'],
  ['go', HTTPS, 'all', 'SSL_CERT_FILE', 'reached'],
  ['go', HTTPS, 'all', 'REQUESTS_CA_BUNDLE', 'untrusted'],

  ['undici', HTTPS, 'HTTPS_PROXY', 'all', 'reached'],
  ['undici', HTTPS, 'https_proxy', 'all', 'reached'],
  ['undici', HTTPS, 'ALL_PROXY', 'all', 'bypassed'],
  ['undici', HTTP, 'HTTP_PROXY', 'all', 'reached'],
  ['undici', HTTPS, 'all', 'NODE_EXTRA_CA_CERTS', 'reached'],
  ['undici', HTTPS, 'all', 'SSL_CERT_FILE', 'untrusted'],

  ['node-fetch', HTTPS, 'all', 'all', 'bypassed'],
];

test.each(ROWS)('%s %s with only %s (proxy) and %s (CA): %s', async (stack, url, proxy, ca, expected) => {
  const env = envWith(proxy, ca);
  if (stack === 'node-fetch') env.NODE_USE_ENV_PROXY = '1';
  expect(await outcomeOf(stack, url, env)).toBe(expected);
}, 150_000);
