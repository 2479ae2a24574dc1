/** `oac emulate --local-ollama`: the built CLI as a user runs it, in its own process. */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { rawRequest } from './support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'oac-local-ollama-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves with the first stdout line that matches, or rejects when the process exits or 20 s pass. */
function waitForLine(child: ChildProcessByStdio<null, Readable, Readable>, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within 20 s; stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`)), 20_000);
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${pattern}; stderr ${JSON.stringify(err)}`));
    });
  });
}

function collect(stream: NodeJS.ReadableStream): () => string {
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return () => text;
}

describe('oac emulate --local-ollama', () => {
  test('prints the URL, answers like Ollama, logs one line per request on stderr and JSON lines to --request-log, credentials by shape', async () => {
    const logFile = path.join(dir, 'requests.jsonl');
    const child = spawn(process.execPath, [CLI, 'emulate', '--local-ollama', '--port', '0', '--request-log', logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = collect(child.stderr);
    try {
      const line = await waitForLine(child, /^listening on /);
      expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.slice('listening on '.length);
      const password = randomBytes(12).toString('hex');
      const basic = `Basic ${Buffer.from(`user:${password}`).toString('base64')}`;

      const tags = await rawRequest(url, { method: 'GET', target: '/api/tags', headers: { Authorization: basic } });
      expect({ status: tags.status, body: tags.body }).toEqual({ status: 200, body: expect.stringMatching(/^\{"models":\[/) });
      const signout = await rawRequest(url, { method: 'GET', target: '/api/signout' });
      expect({ status: signout.status, body: signout.body }).toEqual({ status: 405, body: '405 method not allowed' });
      const pull = await rawRequest(url, { method: 'POST', target: '/api/pull', body: '{"model":"oac-probe-valid","stream":false}' });
      expect(pull.status).toBe(200);

      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code, signal) => (code === 0 || signal === 'SIGTERM' ? resolve() : reject(new Error(`exit ${code} ${signal}`))));
        child.kill('SIGTERM');
      });
      expect(stderr().split('\n').filter(Boolean)).toEqual([
        'GET /api/tags 200 route=api-tags authorization="Basic <40 chars>" (read)',
        'GET /api/signout 405 route=api-signout (gin: GET is not registered for /api/signout (Allow: POST))',
        'POST /api/pull 200 route=api-pull STATE-CHANGING: would pull oac-probe-valid:latest from registry.ollama.ai',
      ]);
      const entries = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { route: string; stateChanging: boolean; headers: Record<string, string> });
      expect(entries.map((e) => [e.route, e.stateChanging])).toEqual([['api-tags', false], ['api-signout', false], ['api-pull', true]]);
      expect(entries[0]!.headers['authorization']).toBe('Basic <40 chars>');
      expect(readFileSync(logFile, 'utf8') + stderr()).not.toContain(password);
      expect(readFileSync(logFile, 'utf8') + stderr()).not.toContain(basic.slice('Basic '.length));
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('registry-only options with --local-ollama are a usage error: exit 2, one line', () => {
    const result = runCli(['emulate', '--local-ollama', '--tls', '--api-key', 'k']);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: "oac: --local-ollama serves Ollama's own API without auth and takes only --port, --host and --request-log; --tls, --api-key configure the registry stand-in (see oac --help)\n",
    });
  });

  test('--request-log without --local-ollama is a usage error', () => {
    const result = runCli(['emulate', '--request-log', path.join(dir, 'x.jsonl')]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: 'oac: --request-log needs --local-ollama (see oac --help)\n' });
  });

  test('an unwritable --request-log is refused before listening', () => {
    const result = runCli(['emulate', '--local-ollama', '--request-log', path.join(dir, 'missing-dir', 'log.jsonl')]);
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 1, stdout: '' });
    expect(result.stderr).toMatch(/^oac: cannot append to the request log .*missing-dir\/log\.jsonl: ENOENT/);
  });
});
