/**
 * Each HTTP stack that real providers use reaches `https://ollama.com` and `https://registry.ollama.ai`
 * through the intercept proxy with nothing but the environment from interceptEnvironment(): the stub
 * upstream sees the public Host, the request target as sent and the https marker, and the proxy saw the
 * CONNECT (so the client never resolved the name itself). Clients are spawned asynchronously: the proxy
 * and the stub live in this process.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { INTERCEPT_SCHEME_HEADER } from '../../src/intercept/proxy.js';
import { runProcess, type ProcessRun } from '../helpers/process.js';
import { stackCommand, startInterceptFixture, type InterceptFixture, type StackName } from './helpers.js';

const URLS = ['https://ollama.com/api/tags', 'https://registry.ollama.ai/v2/library/llama3/manifests/latest?x=%2F'];

let fixture: InterceptFixture;
beforeAll(async () => {
  fixture = await startInterceptFixture();
});
afterAll(async () => {
  await fixture.stop();
});

function expectBothReachedTheStub(run: ProcessRun): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(run.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
    { method: 'GET', host: 'ollama.com', url: '/api/tags' },
    { method: 'GET', host: 'registry.ollama.ai', url: '/v2/library/llama3/manifests/latest?x=%2F' },
  ]);
  const received = fixture.upstream.received.slice(-2);
  expect(received.map((r) => r.headers[INTERCEPT_SCHEME_HEADER.toLowerCase()])).toEqual(['https', 'https']);
  expect(received.some((r) => 'proxy-authorization' in r.headers || 'proxy-connection' in r.headers)).toBe(false);
}

/** The tunnels this client opened: proof that it asked the proxy instead of resolving the names. */
function tunnelsSince(mark: number): string[] {
  return fixture.observed.slice(mark).filter((o) => o.kind === 'tunnel').map((o) => o.destination);
}

describe('every stack reaches the public names through the proxy with the exported environment only', () => {
  test.each([
    ['curl', 'https_proxy + CURL_CA_BUNDLE'],
    ['requests', 'HTTPS_PROXY + REQUESTS_CA_BUNDLE'],
    ['httpx', 'trust_env: HTTPS_PROXY + SSL_CERT_FILE'],
    ['go', 'ProxyFromEnvironment + SSL_CERT_FILE, GOPATH mode'],
    ['undici', 'EnvHttpProxyAgent + NODE_EXTRA_CA_CERTS read at start-up'],
  ] as Array<[StackName, string]>)('%s (%s)', async (stack) => {
    const mark = fixture.observed.length;
    const { command, args, env, timeoutMs } = stackCommand(stack, URLS, fixture, fixture.env());
    const run = await runProcess(command, args, { env, timeoutMs });
    expectBothReachedTheStub(run);
    expect(tunnelsSince(mark)).toEqual(['ollama.com:443', 'registry.ollama.ai:443']);
  }, 150_000);
});
