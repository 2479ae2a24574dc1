/**
 * The proxy decision against Go's rules. Each row cites where Go decides it: "httpproxy Lnn" is
 * golang.org/x/net/http/httpproxy/proxy.go at golang/net 0ca694d (what net/http's ProxyFromEnvironment
 * uses); "transport.go" is net/http/transport.go (canonicalAddr, proxyAuth).
 */
import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { AuthError } from '../../src/errors.js';
import { canonicalAddr, proxyForUrl, proxySettingsFromEnv } from '../../src/reference/proxy-env.js';

type Env = Record<string, string>;

/** `proxy display (VARIABLE)` for the URL, or `direct`. */
function decide(env: Env, url: string): string {
  const [, scheme, host] = /^([a-z]+):\/\/([^/]*)/.exec(url)!;
  const proxy = proxyForUrl(proxySettingsFromEnv(env), scheme!, host!);
  return proxy === undefined ? 'direct' : `${proxy.display} (${proxy.variable})`;
}

const P = 'http://proxy.test:3128';
const VIA = `${P} (HTTPS_PROXY)`;

describe('which variable applies (httpproxy L90-106, L127-145)', () => {
  test.each<[string, Env, string, string]>([
    ['https URL → HTTPS_PROXY', { HTTPS_PROXY: P, HTTP_PROXY: 'http://other.test:1' }, 'https://registry.ollama.ai/v2/', VIA],
    ['http URL → HTTP_PROXY', { HTTPS_PROXY: 'http://other.test:1', HTTP_PROXY: P }, 'http://registry.ollama.ai/v2/', `${P} (HTTP_PROXY)`],
    ['https URL, only HTTP_PROXY set → direct (HTTP_PROXY is not a fallback)', { HTTP_PROXY: P }, 'https://ollama.com/', 'direct'],
    ['lower case read when upper case is unset', { https_proxy: P }, 'https://ollama.com/', `${P} (https_proxy)`],
    ['upper case wins over lower case (getEnvAny order, L92-94)', { HTTPS_PROXY: P, https_proxy: 'http://lower.test:1' }, 'https://ollama.com/', VIA],
    ['an empty upper-case value counts as unset (L101)', { HTTPS_PROXY: '', https_proxy: P }, 'https://ollama.com/', `${P} (https_proxy)`],
    ['ALL_PROXY is never read', { ALL_PROXY: P, all_proxy: P }, 'https://ollama.com/', 'direct'],
    ['nothing set → direct', {}, 'https://ollama.com/', 'direct'],
    ['no scheme means http:// (parseProxy L147-165)', { HTTPS_PROXY: 'proxy.test:3128' }, 'https://ollama.com/', VIA],
    ['an IP:port value without scheme', { HTTPS_PROXY: '10.1.2.3:8080' }, 'https://ollama.com/', 'http://10.1.2.3:8080 (HTTPS_PROXY)'],
    ['no port → the scheme\'s default port', { HTTPS_PROXY: 'http://proxy.test' }, 'https://ollama.com/', 'http://proxy.test:80 (HTTPS_PROXY)'],
    ['an https:// proxy keeps its scheme, port 443 by default', { HTTPS_PROXY: 'https://proxy.test' }, 'https://ollama.com/', 'https://proxy.test:443 (HTTPS_PROXY)'],
    ['an IPv6 proxy is shown bracketed', { HTTPS_PROXY: 'http://[fd00::1]:3128' }, 'https://ollama.com/', 'http://[fd00::1]:3128 (HTTPS_PROXY)'],
  ])('%s', (_name, env, url, expected) => {
    expect(decide(env, url)).toBe(expected);
  });
});

describe('localhost and loopback are never proxied, whatever NO_PROXY says (httpproxy L178-188)', () => {
  test.each<[string, string]>([
    ['https://localhost/x', 'direct'],
    ['https://localhost:8443/x', 'direct'],
    ['https://127.0.0.1:8443/x', 'direct'],
    ['https://127.9.8.7/x', 'direct'],
    ['https://[::1]:8443/x', 'direct'],
    ['https://[::ffff:127.0.0.1]/x', 'direct'],
    // Go compares with "localhost" before lower-casing: this one IS proxied (a quirk kept for parity).
    ['https://LOCALHOST/x', VIA],
    ['https://localhost.localdomain/x', VIA],
    ['https://10.0.0.1/x', VIA],
  ])('%s → %s', (url, expected) => {
    expect(decide({ HTTPS_PROXY: P }, url)).toBe(expected);
  });
});

describe('NO_PROXY entries (httpproxy L207-273 parse them, L324-373 match them)', () => {
  test.each<[string, string, string]>([
    // `*` alone switches proxying off (L221-225), even among other entries.
    ['*', 'https://registry.ollama.ai/', 'direct'],
    ['example.test, *', 'https://registry.ollama.ai/', 'direct'],
    // A domain matches itself and its subdomains (matchHost, L264-268, L369).
    ['ollama.ai', 'https://ollama.ai/', 'direct'],
    ['ollama.ai', 'https://registry.ollama.ai/', 'direct'],
    ['ollama.ai', 'https://notollama.ai/', VIA],
    // A leading dot: subdomains only.
    ['.ollama.ai', 'https://registry.ollama.ai/', 'direct'],
    ['.ollama.ai', 'https://ollama.ai/', VIA],
    // `*.domain` is `.domain` (L261-263).
    ['*.ollama.ai', 'https://registry.ollama.ai/', 'direct'],
    ['*.ollama.ai', 'https://ollama.ai/', VIA],
    // Entries are trimmed and lower-cased; the host is lower-cased too (L190, L216).
    ['  Ollama.COM  ', 'https://OLLAMA.com/', 'direct'],
    // A port on the entry must equal the URL's port, defaulted from the scheme (canonicalAddr).
    ['ollama.com:443', 'https://ollama.com/', 'direct'],
    ['ollama.com:443', 'https://ollama.com:8443/', VIA],
    ['ollama.com:8443', 'https://ollama.com:8443/', 'direct'],
    // IP, IP:port, [IPv6]:port, IPv6 (ipMatch L346-356).
    ['10.0.0.1', 'https://10.0.0.1/', 'direct'],
    ['10.0.0.1:443', 'https://10.0.0.1/', 'direct'],
    ['10.0.0.1:80', 'https://10.0.0.1/', VIA],
    ['[fd00::1]:443', 'https://[fd00::1]/', 'direct'],
    ['fd00::1', 'https://[fd00::1]:8443/', 'direct'],
    // CIDR (L228-231, L342-344), IPv4 and IPv6.
    ['10.0.0.0/8', 'https://10.20.30.40/', 'direct'],
    ['10.0.0.0/8', 'https://11.0.0.1/', VIA],
    ['fd00::/8', 'https://[fd12::3]/', 'direct'],
    ['fd00::/8', 'https://[fe80::1]/', VIA],
    // A domain entry never matches an IP (L366-368), and a CIDR never matches a name.
    ['0.0.1', 'https://10.0.0.1/', VIA],
    ['10.0.0.0/8', 'https://registry.ollama.ai/', VIA],
    // Malformed entries are skipped, the rest still apply (L217-219, L236-239).
    [',, :443 ,ollama.com', 'https://ollama.com/', 'direct'],
    ['other.test', 'https://ollama.com/', VIA],
  ])('NO_PROXY=%j, %s → %s', (noProxy, url, expected) => {
    expect(decide({ HTTPS_PROXY: P, NO_PROXY: noProxy }, url)).toBe(expected);
  });

  test('upper-case NO_PROXY wins over no_proxy; no_proxy applies when NO_PROXY is unset (L94)', () => {
    expect(decide({ HTTPS_PROXY: P, NO_PROXY: 'other.test', no_proxy: 'ollama.com' }, 'https://ollama.com/')).toBe(VIA);
    expect(decide({ HTTPS_PROXY: P, no_proxy: 'ollama.com' }, 'https://ollama.com/')).toBe('direct');
  });
});

describe('errors a user sees', () => {
  function error(env: Env, url: string): AuthError {
    try {
      decide(env, url);
    } catch (err) {
      if (err instanceof AuthError) return err;
      throw err;
    }
    throw new Error('expected an AuthError, got a decision');
  }

  test('CGI (REQUEST_METHOD set) with HTTP_PROXY for an http URL is refused, as Go refuses it (L132-135)', () => {
    const err = error({ HTTP_PROXY: P, REQUEST_METHOD: 'GET' }, 'http://registry.ollama.ai/');
    expect(err.code).toBe('http/proxy-config');
    expect(err.message).toBe(`HTTP_PROXY=${P}: refusing to use HTTP_PROXY value in CGI environment (REQUEST_METHOD is set); see golang.org/s/cgihttpproxy`);
    // https URLs are not affected by the CGI rule.
    expect(decide({ HTTPS_PROXY: P, REQUEST_METHOD: 'GET' }, 'https://ollama.com/')).toBe(VIA);
  });

  test('a SOCKS proxy: the reference client does not speak it, and says so', () => {
    const err = error({ HTTPS_PROXY: 'socks5://proxy.test:1080' }, 'https://ollama.com/');
    expect(err.message).toBe('HTTPS_PROXY=socks5://proxy.test:1080: the reference client speaks to http:// and https:// proxies, got scheme "socks5"');
  });

  test('a value that is no URL even with http:// in front is an error (Go would silently go direct), password redacted', () => {
    const password = randomBytes(6).toString('hex');
    const err = error({ HTTPS_PROXY: `http://bob:${password}@proxy.test:99999` }, 'https://ollama.com/');
    expect(err.message).toBe('HTTPS_PROXY=http://<redacted>@proxy.test:99999: expected a proxy URL such as http://proxy.example:3128 (or host:port, which means http://), got host "proxy.test" and port "99999"');
    expect(err.message).not.toContain(password);
  });

  test('a bad value is only an error for a request that would use it (loopback is still direct)', () => {
    expect(decide({ HTTPS_PROXY: 'socks5://proxy.test:1080' }, 'https://127.0.0.1:8443/')).toBe('direct');
  });
});

describe('proxy credentials and the CONNECT authority', () => {
  test('user:password in the proxy URL becomes Basic base64(user:password), %-escapes decoded (transport.go proxyAuth)', () => {
    const password = `p@ss:${randomBytes(4).toString('hex')}`;
    const escaped = encodeURIComponent(password);
    const proxy = proxyForUrl(proxySettingsFromEnv({ HTTPS_PROXY: `http://alice:${escaped}@proxy.test:3128` }), 'https', 'ollama.com');
    expect(proxy?.authorization).toBe(`Basic ${Buffer.from(`alice:${password}`).toString('base64')}`);
    expect(proxy?.display).toBe('http://proxy.test:3128');
    // A user without a password: Go sends "user:".
    expect(proxyForUrl(proxySettingsFromEnv({ HTTPS_PROXY: 'http://alice@proxy.test:3128' }), 'https', 'ollama.com')?.authorization)
      .toBe(`Basic ${Buffer.from('alice:').toString('base64')}`);
  });

  test('canonicalAddr: the host as written, the default port added, IPv6 bracketed (transport.go canonicalAddr)', () => {
    expect(canonicalAddr('https', 'registry.ollama.ai')).toBe('registry.ollama.ai:443');
    expect(canonicalAddr('https', 'Registry.Ollama.AI:443')).toBe('Registry.Ollama.AI:443');
    expect(canonicalAddr('http', 'ollama.com')).toBe('ollama.com:80');
    expect(canonicalAddr('https', '[fd00::1]')).toBe('[fd00::1]:443');
  });
});
