/**
 * The example providers (examples/providers/) run exactly as they would in production, against
 * https://ollama.com, and reach the offline emulator through the intercept proxy: the emulator, told that
 * its public origin is https://ollama.com, verifies the real signature (or API key) and answers. Nothing
 * in the providers names a proxy or a CA; the environment is interceptEnvironment()'s.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createInterceptCa } from '../../src/intercept/ca.js';
import { applyInterceptEnvironment } from '../../src/intercept/environment.js';
import { startInterceptProxy, type InterceptProxy } from '../../src/intercept/proxy.js';
import { runProcess } from '../helpers/process.js';

const PROVIDERS = path.join(process.cwd(), 'examples', 'providers');
const API_KEY = `oac-test-${process.pid}-${Date.now()}`;

let dir: string;
let home: string;
let emulator: Emulator;
let registry: Emulator;
let proxy: InterceptProxy;
let bundlePath: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oac-intercept-providers-'));
  home = path.join(dir, 'home');
  mkdirSync(path.join(home, '.ollama'), { recursive: true });
  const keygen = await runProcess('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, '.ollama', 'id_ed25519')]);
  expect(keygen.code).toBe(0);
  emulator = createEmulator({ publicOrigin: 'https://ollama.com', apiKeys: [API_KEY] });
  const { url } = await emulator.start();
  // A second emulator whose public origin is the registry's: its realm is https://registry.ollama.ai/v2/token.
  registry = createEmulator({ publicOrigin: 'https://registry.ollama.ai' });
  const registryUrl = (await registry.start()).url;
  const ca = await createInterceptCa({ dir, hostnames: ['ollama.com', 'registry.ollama.ai'] });
  bundlePath = ca.bundlePath;
  proxy = await startInterceptProxy({ routes: [{ hostname: 'ollama.com', upstream: url }, { hostname: 'registry.ollama.ai', upstream: registryUrl }], ca });
});

afterAll(async () => {
  await proxy?.close();
  await emulator?.stop();
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return applyInterceptEnvironment({ PATH: process.env.PATH, HOME: home, ...extra }, proxy.url, bundlePath);
}

test.each([
  ['python-requests', '/usr/bin/python3', 'python-requests/provider.py'],
  ['python-httpx', '/usr/bin/python3', 'python-httpx/provider.py'],
])('%s lists the models of https://ollama.com with a signed request, through the proxy', async (_name, interpreter, script) => {
  const before = emulator.log.length;
  const run = await runProcess(interpreter, [path.join(PROVIDERS, script), 'list-models'], { env: env() });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(run.stdout).models.length).toBeGreaterThan(0);
  const [event] = emulator.log.slice(before);
  expect([event.method, event.url.replace(/ts=\d+/, 'ts=<ts>'), event.headers.host, event.headers['x-oac-intercept-scheme'], event.status])
    .toEqual(['GET', '/api/tags?ts=<ts>', 'ollama.com', 'https', 200]);
});

test('ollama-js lists the models of https://ollama.com with the API key it adds by itself, through the proxy', async () => {
  const before = emulator.log.length;
  const run = await runProcess(process.execPath, [path.join(PROVIDERS, 'ollama-js', 'provider.mjs'), 'list-models'], { env: env({ OLLAMA_API_KEY: API_KEY }) });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(run.stdout).models.length).toBeGreaterThan(0);
  const [event] = emulator.log.slice(before);
  expect([event.method, event.url, event.headers.host, event.status]).toEqual(['GET', '/api/tags', 'ollama.com', 200]);
});

test('ollama-js with an API key the server does not know fails with the library\'s 401 error on one line', async () => {
  const run = await runProcess(process.execPath, [path.join(PROVIDERS, 'ollama-js', 'provider.mjs'), 'list-models'], { env: env({ OLLAMA_API_KEY: 'not-a-key' }) });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^list-models: ResponseError \(HTTP 401\): .+\n$/);
});

test('python-requests pulls a manifest from https://registry.ollama.ai: 401, signed token request on the same host, Bearer retry', async () => {
  const before = registry.log.length;
  const run = await runProcess('/usr/bin/python3', [path.join(PROVIDERS, 'python-requests', 'provider.py'), 'pull-manifest', 'llama3'], { env: env() });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(run.stdout).schemaVersion).toBe(2);
  expect(registry.log.slice(before).map((e) => [e.method, e.url.replace(/\?.*/, '?…'), e.headers.host, e.status])).toEqual([
    ['GET', '/v2/library/llama3/manifests/latest', 'registry.ollama.ai', 401],
    ['GET', '/v2/token?…', 'registry.ollama.ai', 200],
    ['GET', '/v2/library/llama3/manifests/latest', 'registry.ollama.ai', 200],
  ]);
});
