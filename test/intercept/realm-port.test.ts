/**
 * Why intercept mode catches a realm-host check that compares host names without the port, which the
 * loopback suite does not (its other host is always another name: `localhost:<port>` against
 * `127.0.0.1:<port>`). The correct check is examples/providers/python-requests's (URL.Host strings, as
 * Ollama's server/auth.go@fb30760 L59-62); the mutant is the same file with that comparison made on the
 * host name alone, written into a temp copy at test time. A stub registry names the realm.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterceptCa } from '../../src/intercept/ca.js';
import { applyInterceptEnvironment } from '../../src/intercept/environment.js';
import { startInterceptProxy, type InterceptObservation, type InterceptProxy } from '../../src/intercept/proxy.js';
import { runProcess } from '../helpers/process.js';
import { startInterceptFixture, type InterceptFixture } from './helpers.js';

const PROVIDER = path.join(process.cwd(), 'examples', 'providers', 'python-requests', 'provider.py');
const EXACT_CHECK = 'if realm_url.host != resource_url.host or';
const HOSTNAME_ONLY_CHECK = 'if realm_url.host.split(":")[0] != resource_url.host.split(":")[0] or';

let fixture: InterceptFixture;
let registry: http.Server;
let proxy: InterceptProxy;
let realm = '';
const seen: string[] = [];
const observed: InterceptObservation[] = [];
let mutantPath: string;

beforeAll(async () => {
  fixture = await startInterceptFixture();
  registry = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.headers.host} ${(req.url ?? '').replace(/\?.*/, '?…')}`);
    if ((req.url ?? '').startsWith('/v2/token')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t"}');
      return;
    }
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm}",service="registry.ollama.ai",scope="repository:library/llama3:pull"` }).end();
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', () => resolve()));
  const caDir = path.join(fixture.dir, 'realm-ca');
  mkdirSync(caDir);
  const ca = await createInterceptCa({ dir: caDir, hostnames: ['registry.ollama.ai'] });
  proxy = await startInterceptProxy({
    routes: [{ hostname: 'registry.ollama.ai', upstream: `http://127.0.0.1:${(registry.address() as AddressInfo).port}` }],
    ca,
    onObservation: (o) => observed.push(o),
  });
  // A copy next to the original's imports: the provider finds examples/python/client.py relative to itself.
  const source = readFileSync(PROVIDER, 'utf8');
  expect(source).toContain(EXACT_CHECK);
  mutantPath = path.join(fixture.dir, 'provider-hostname-only.py');
  writeFileSync(mutantPath, source.replace(EXACT_CHECK, HOSTNAME_ONLY_CHECK).replace(
    'os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python")',
    JSON.stringify(path.join(process.cwd(), 'examples', 'python')),
  ));
  mkdirSync(path.join(fixture.home, '.ollama'));
  const keygen = await runProcess('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(fixture.home, '.ollama', 'id_ed25519')]);
  expect(keygen).toMatchObject({ code: 0, stderr: '' });
});

afterAll(async () => {
  await proxy?.close();
  registry?.closeAllConnections();
  await new Promise<void>((resolve) => (registry ? registry.close(() => resolve()) : resolve()));
  await fixture.stop();
});

async function pull(script: string): Promise<{ code: number | null; stderr: string; seen: string[]; refused: string[] }> {
  seen.length = 0;
  const mark = observed.length;
  const env = applyInterceptEnvironment({ PATH: process.env.PATH, HOME: fixture.home }, proxy.url, path.join(fixture.dir, 'realm-ca', 'ca-bundle.pem'));
  const run = await runProcess('/usr/bin/python3', [script, 'pull-manifest', 'llama3'], { env });
  return { code: run.code, stderr: run.stderr, seen: [...seen], refused: observed.slice(mark).filter((o) => o.kind === 'refused').map((o) => o.destination) };
}

test('realm on registry.ollama.ai:8443: the exact check refuses; the hostname-only mutant is seen trying another port', async () => {
  realm = 'https://registry.ollama.ai:8443/v2/token';
  expect(await pull(PROVIDER)).toEqual({
    code: 1, stderr: 'pull-manifest: refusing realm https://registry.ollama.ai:8443/v2/token: it is not https on registry.ollama.ai\n',
    seen: ['GET registry.ollama.ai /v2/library/llama3/manifests/latest'], refused: [],
  });
  const mutant = await pull(mutantPath);
  expect(mutant.refused).toEqual(['registry.ollama.ai:8443']);
  expect(mutant.code).toBe(1);
});

// requests writes the Host header without the default port, so the server cannot see the `:443` spelling on
// the token request; what tells the two apart is that the token request exists at all (F-03: tokenRequests max 0).
test('realm on registry.ollama.ai:443 spelled out: Ollama refuses (URL.Host differs); the mutant sends the signed token request', async () => {
  realm = 'https://registry.ollama.ai:443/v2/token';
  expect((await pull(PROVIDER)).seen).toEqual(['GET registry.ollama.ai /v2/library/llama3/manifests/latest']);
  expect((await pull(mutantPath)).seen).toEqual([
    'GET registry.ollama.ai /v2/library/llama3/manifests/latest',
    'GET registry.ollama.ai /v2/token?…',
    'GET registry.ollama.ai /v2/library/llama3/manifests/latest',
  ]);
});
