/**
 * `oac probe` usage errors: found before any request, one line on stderr naming the flag, exit 2.
 * Secret values never appear in these messages. Each case is checked on the command's own validation
 * in-process (a Node start per case would cost seconds); a few go through the real CLI to pin the
 * line's format and the exit code.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OacError } from '../../src/errors.js';
import { validateProbeArgs, type ProbeArgs } from '../../src/cli/probe.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let pem: string;
let notPem: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oac-probe-cli-'));
  notPem = join(dir, 'not-a-cert.txt');
  writeFileSync(notPem, 'hello\n');
  pem = join(dir, 'ca.pem');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Port 9 (discard) on loopback: nothing is ever sent there, because every case fails validation first.
const URL = 'http://127.0.0.1:9';
const HTTPS = 'https://127.0.0.1:9';

describe('usage errors', () => {
  test.each<[string, string[], string]>([
    ['no URL', [], 'give the URL to probe, e.g. oac probe https://ollama.example.org'],
    ['not a URL', ['not-a-url'], 'the URL "not-a-url" is not an absolute http:// or https:// URL'],
    ['another scheme', ['ftp://127.0.0.1'], 'the URL must start with http:// or https://, got ftp://'],
    ['credentials in the URL', ['http://alice:s3cret-pw@127.0.0.1:9'], 'the URL carries user:password@: give credentials with --basic USER:PASS instead, so they can be kept out of reports'],
    ['a query in the URL', ['http://127.0.0.1:9/?x=1'], 'the URL must not have a query or fragment: give the base URL Ollama is served at, e.g. https://ollama.example.org'],
    ['--cert without --key (before either file is read)', [HTTPS, '--cert', 'client.pem'], "--cert needs --key (the client certificate's private key)"],
    ['--key without --cert', [HTTPS, '--key', 'client.key'], '--key needs --cert (the client certificate)'],
    ['an unreadable --ca', [HTTPS, '--ca', '/nonexistent/ca.pem'], '--ca /nonexistent/ca.pem cannot be read: ENOENT'],
    ['a --ca that is not PEM', [HTTPS, '--ca', '<notPem>'], '--ca <notPem> is not a PEM certificate (no BEGIN CERTIFICATE line)'],
    ['--expect-tls 1.1', [HTTPS, '--expect-tls', '1.1'], '--expect-tls must be 1.2 or 1.3, got "1.1"'],
    ['--expect-tls on http', [URL, '--expect-tls', '1.3'], '--expect-tls needs an https:// URL, got http://127.0.0.1:9'],
    ['--ca on http', [URL, '--ca', '<pem>'], '--ca needs an https:// URL, got http://127.0.0.1:9'],
    ['--basic twice (values not shown)', [URL, '--basic', 'a:s3cret-one', '--basic', 'b:s3cret-two'], '--basic was given 2 times: give it once'],
    ['--api-key twice (values not shown)', [URL, '--api-key', 's3cret-one', '--api-key', 's3cret-two'], '--api-key was given 2 times: give it once'],
    ['--timeout twice', [URL, '--timeout', '1', '--timeout', '2'], '--timeout was given 2 times (1, 2): give it once'],
    ['--timeout not a number', [URL, '--timeout', 'soon'], '--timeout must be a number of seconds above 0 and at most 600, got NaN'],
    ['--basic without a colon (value not shown)', [URL, '--basic', 's3cret-no-colon'], '--basic must be USER:PASSWORD (a user name, a colon, then the password)'],
    ['--basic and --api-key', [URL, '--basic', 'a:s3cret', '--api-key', 's3cret'], '--basic and --api-key both set the Authorization header: give one (add a custom header with --header)'],
    ['--header without a colon', [URL, '--header', 'X-Token'], "--header must be 'Name: value' with a valid field name, got no colon"],
    ['--header Authorization', [URL, '--header', 'Authorization: Bearer s3cret'], '--header Authorization is set by the probe itself: use --basic or --api-key'],
    ['--timeout 0', [URL, '--timeout', '0'], '--timeout must be a number of seconds above 0 and at most 600, got 0'],
    ['--jobs 0', [URL, '--jobs', '0'], '--jobs must be a whole number from 1 to 32, got 0'],
    ['--record into a missing folder', [URL, '--record', '/nonexistent/probe.har'], '--record /nonexistent/probe.har cannot be written: its folder /nonexistent is missing'],
    ['--drift that is no recording', [URL, '--drift', '<notPem>'], '--drift <notPem> is not a recording made by oac probe --record: it is not JSON'],
    ['--baseline that is missing', [URL, '--baseline', '/nonexistent/b.json'], '--baseline /nonexistent/b.json cannot be read: ENOENT'],
  ])('%s', (_name, args, message) => {
    const fill = (s: string): string => s.replace('<notPem>', notPem).replace('<pem>', pem);
    let thrown: unknown;
    try {
      validateProbeArgs(parse(args.map(fill)), {});
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OacError);
    expect({ code: (thrown as OacError).code, message: (thrown as OacError).message }).toEqual({ code: 'cli/usage', message: fill(message) });
    expect((thrown as OacError).message).not.toMatch(/s3cret/);
  });

  test.each([
    ['a bad flag value', ['probe', HTTPS, '--expect-tls', '1.1'], 'oac: --expect-tls must be 1.2 or 1.3, got "1.1" (see oac --help)\n'],
    ['a secret flag twice', ['probe', URL, '--api-key', 's3cret-one', '--api-key', 's3cret-two'], 'oac: --api-key was given 2 times: give it once (see oac --help)\n'],
    ['an unknown flag', ['probe', URL, '--frobnicate'], 'oac: Unknown argument: frobnicate (see oac --help)\n'],
  ])('through the CLI: %s is one line on stderr and exit 2', (_name, argv, stderr) => {
    expect(runCli(argv)).toEqual({ status: 2, stderr, stdout: '' });
  });
});

/** What yargs hands the command: a repeated flag becomes an array. */
function parse(argv: string[]): ProbeArgs {
  const args: Record<string, unknown> = { strict: false, insecure: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    const raw = argv[++i]!;
    const value = name === 'timeout' || name === 'jobs' ? Number(raw) : raw;
    args[name] = args[name] === undefined ? value : [...[args[name]].flat(), value];
  }
  if (positional.length > 0) args['url'] = positional[0];
  return args as unknown as ProbeArgs;
}

test('an unreachable target: one line saying nothing was probed, exit 1', () => {
  const r = runCli(['probe', URL, '--timeout', '2']);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^oac: http:\/\/127\.0\.0\.1:9\/ did not answer \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:9\): nothing was probed; check the URL and that the proxy is running\n$/) });
});

test('--help lists the probe\'s flags', () => {
  const r = runCli(['probe', '--help']);
  expect(r.status).toBe(0);
  for (const flag of ['--basic', '--api-key', '--header', '--ca', '--cert', '--key', '--expect-tls', '--report-dir', '--baseline', '--strict', '--record', '--drift', '--insecure']) expect(r.stdout).toContain(flag);
});
