/**
 * `oac check --intercept` as a user runs it (the built CLI, its own process): the example clients and the
 * providers run unmodified against https://registry.ollama.ai and https://ollama.com through the
 * intercept proxy and pass the golden scenario of their action; a client that ignores the proxy gets the
 * `error` with the per-stack guidance; the flags that do not fit together are one-line usage errors.
 * Everything listens on 127.0.0.1: the proxy routes only the public names, and the client that ignores it
 * is pinned to a closed loopback port (curl --connect-to), so nothing can reach an outside host.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { runProcess } from '../helpers/process.js';

const scratch = mkdtempSync(join(tmpdir(), 'oac-check-intercept-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Results {
  scenarios: { id: string; verdicts: { check: string; verdict: string; message: string }[] }[];
}

/** Each scenario with the distinct verdicts of its checks. */
function verdictsOf(results: Results): [string, string[]][] {
  return results.scenarios.map((s) => [s.id, [...new Set(s.verdicts.map((v) => v.verdict))]]);
}

/** Runs `oac check --intercept` on one scenario and returns the exit code and results.json. */
async function checkIntercept(action: string, scenario: string, client: string): Promise<{ code: number | null; results: Results; stdout: string }> {
  const reportDir = mkdtempSync(join(scratch, 'report-'));
  const run = await runProcess(process.execPath, [CLI, 'check', '--intercept', '--action', action, '--scenario', scenario, '--client', client, '--report-dir', reportDir], { timeoutMs: 90_000 });
  const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as Results;
  return { code: run.code, results, stdout: run.stdout };
}

const REGISTRY_URL = 'https://registry.ollama.ai/v2/library/llama3/manifests/latest';
const GOLDEN: Record<string, string> = {
  'registry-manifest': 'registry/golden',
  'cloud-tags': 'direct/golden-tags',
  'cloud-whoami': 'direct/golden-whoami',
  'apikey-tags': 'apikey/golden',
};

const EXAMPLES: [string, string][] = [
  ['python', '/usr/bin/python3 examples/python/client.py'],
  ['go', 'examples/go/run.sh'],
  ['shell', 'examples/shell/client.sh'],
];

describe('the example clients, unmodified, pass the golden scenario of each action through the proxy', () => {
  const cases = EXAMPLES.flatMap(([name, command]) => Object.entries(GOLDEN).map(([action, scenario]) => [name, action, scenario, `${command} ${action} ${action === 'registry-manifest' ? REGISTRY_URL : 'https://ollama.com'}`] as const));
  test.each(cases)('%s %s (%s)', async (_name, action, scenario, client) => {
    const { code, results } = await checkIntercept(action, scenario, client);
    expect(verdictsOf(results)).toEqual([[scenario, ['pass']]]);
    expect(code).toBe(0);
  }, 120_000);
});

describe('the providers pass the golden scenario of their action through the proxy', () => {
  const cases: [string, string, string][] = [
    ['cloud-tags', '/usr/bin/python3 examples/providers/python-requests/provider.py list-models', 'direct/golden-tags'],
    ['registry-manifest', '/usr/bin/python3 examples/providers/python-requests/provider.py pull-manifest llama3', 'registry/golden'],
    ['cloud-tags', '/usr/bin/python3 examples/providers/python-httpx/provider.py list-models', 'direct/golden-tags'],
    ['apikey-tags', 'node examples/providers/ollama-js/provider.mjs list-models', 'apikey/golden'],
  ];
  test.each(cases)('%s: %s', async (action, client, scenario) => {
    const { code, results } = await checkIntercept(action, scenario, client);
    expect(verdictsOf(results)).toEqual([[scenario, ['pass']]]);
    expect(code).toBe(0);
  }, 120_000);
});

describe('a client that ignores the proxy variables', () => {
  test('is an error saying it did not use the proxy, with what to set per stack', async () => {
    // --noproxy '*' ignores the environment; --connect-to pins ollama.com to a closed loopback port, so the
    // direct attempt cannot resolve or reach anything outside this machine.
    const client = "curl -sS --fail --noproxy '*' --connect-to ollama.com:443:127.0.0.1:9 https://ollama.com/api/tags";
    const { code, results } = await checkIntercept('apikey-tags', 'apikey/golden', client);
    const [scenario] = results.scenarios;
    expect(verdictsOf(results)).toEqual([['apikey/golden', ['error']]]);
    const message = scenario?.verdicts[0]?.message ?? '';
    expect(message.split('\n')[0]).toMatch(new RegExp(`^the client did not use the proxy: no request reached the intercept proxy at http://127\\.0\\.0\\.1:\\d+ while running ${client.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`));
    expect(message).toContain('Python requests: reads HTTPS_PROXY');
    expect(message).toContain("set undici's EnvHttpProxyAgent as the dispatcher");
    expect(code).toBe(1);
  }, 60_000);
});

describe('registry/realm-default-port (intercept only): a realm on registry.ollama.ai:443', () => {
  test('the example client refuses it, as Ollama does; the mutant that drops the port from the comparison is caught', async () => {
    const good = await checkIntercept('registry-manifest', 'registry/realm-default-port', `/usr/bin/python3 examples/python/client.py registry-manifest ${REGISTRY_URL}`);
    expect(verdictsOf(good.results)).toEqual([['registry/realm-default-port', ['pass']]]);
    const mutant = await checkIntercept('registry-manifest', 'registry/realm-default-port', `/usr/bin/python3 examples/mutants/mutant.py realm-host-without-port registry-manifest ${REGISTRY_URL}`);
    const sameHost = mutant.results.scenarios[0]?.verdicts.find((v) => v.check === 'registry/realm/same-host');
    expect(sameHost).toMatchObject({ verdict: 'fail', message: 'the client sent its signed token request to host "registry.ollama.ai:443", not the resource host "registry.ollama.ai"' });
    expect(mutant.code).toBe(1);
  }, 60_000);

  test('the loopback run does not list it', () => {
    const run = runCli(['check', '--list']);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('registry/realm-default-port');
  });
});

describe('a client that pins its own CA', () => {
  test('is an error saying it refused the per-run CA, naming the variables the harness set', async () => {
    // curl's --cacert overrides CURL_CA_BUNDLE: it reaches the proxy and refuses the per-run leaf.
    const client = 'curl -sS --fail --cacert /etc/ssl/certs/ca-certificates.crt https://ollama.com/api/tags';
    const { code, results } = await checkIntercept('apikey-tags', 'apikey/golden', client);
    expect(verdictsOf(results)).toEqual([['apikey/golden', ['error']]]);
    const message = results.scenarios[0]?.verdicts[0]?.message ?? '';
    expect(message.split('\n')[0]).toBe('the client refused the per-run CA: it reached the intercept proxy, but every TLS handshake failed and no request was forwarded.');
    expect(message).toContain('pointed SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and NODE_EXTRA_CA_CERTS at the CA bundle');
    expect(code).toBe(1);
  }, 60_000);
});

describe('oac check --intercept: arguments', () => {
  const cases: [string, string[], string][] = [
    ['--intercept without --action', ['--intercept'], 'oac: --intercept needs --action <action>: the scenarios of that action run your command as given (one of registry-manifest, cloud-tags, cloud-whoami, apikey-tags, basic-tags) (see oac --help)\n'],
    ['an unknown --action', ['--intercept', '--action', 'pull'], 'oac: --action "pull" is not an action (expected one of registry-manifest, cloud-tags, cloud-whoami, apikey-tags, basic-tags) (see oac --help)\n'],
    ['--action without --intercept', ['--action', 'cloud-tags'], "oac: --action cloud-tags is only used with --intercept (in loopback mode each scenario's action is appended to --client) (see oac --help)\n"],
    ['--intercept with --mutants', ['--intercept', '--action', 'cloud-tags', '--mutants', 'examples/mutants/catalog.json'], 'oac: --intercept cannot be combined with --mutants: the mutation matrix runs the mutants through the exec contract (loopback mode) (see oac --help)\n'],
  ];
  test.each(cases)('%s is a usage error', (_name, args, stderr) => {
    expect(runCli(['check', ...args])).toEqual({ status: 2, stdout: '', stderr });
  });

  test('--list shows only the scenarios of the action, with the modes each runs in', () => {
    const run = runCli(['check', '--intercept', '--action', 'cloud-whoami', '--list']);
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows.map((r) => r[2])).toEqual(rows.map(() => 'cloud-whoami'));
    expect(rows.find((r) => r[0] === 'direct/golden-whoami')?.[4]).toBe('loopback,intercept');
  });
});
