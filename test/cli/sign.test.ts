import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOllamaKey, TEST_SEED } from '../../src/keys/index.js';
import { runCli } from '../helpers/cli.js';
import { nodeVerify } from '../helpers/node-crypto-oracle.js';
import { loadGoldenVectors } from '../helpers/vectors.js';

const golden = loadGoldenVectors();
let home: string;
let keyFile: string;

afterAll(() => rmSync(home, { recursive: true, force: true }));
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'oac-sign-'));
  keyFile = generateOllamaKey({ home, seed: TEST_SEED }).privatePath;
});

function signJson(args: string[]): Record<string, string> {
  const result = runCli(['sign', ...args]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, string>;
}

describe('oac sign reproduces the golden vectors byte for byte', () => {
  test('registry', () => {
    const r = golden.registry;
    const out = signJson(['registry', '--key', keyFile, '--realm', r.realm, '--service', r.service, '--scope', r.scope, '--ts', String(r.ts), '--nonce-hex', r.nonce_bytes_hex]);
    expect(out).toMatchObject({ tokenUrl: r.token_url, signedString: r.signed_string, authorization: r.authorization, nonce: r.nonce, method: 'GET' });
    expect(nodeVerify(Buffer.from(golden.key.raw_public_key_hex, 'hex'), r.signed_string, Buffer.from(out['authorization']!.split(':')[1]!, 'base64'))).toBe(true);
  });

  test.each([
    ['POST', '/api/chat', golden.direct_api_client, 'authorization'],
    ['POST', '/api/me', golden.whoami, 'authorization'],
    ['GET', '/api/tags', golden.app_ui_doSelfSigned, 'authorizationBearerForm'],
  ])('direct %s %s', (method, path, vector, field) => {
    const out = signJson(['direct', '--key', keyFile, '--method', method, '--path', path, '--ts', '1700000000']);
    expect(out['url']).toBe(vector.url);
    expect(out['signedString']).toBe(vector.signed_string);
    expect(out[field]).toBe(vector.authorization);
  });

  test('request-uri signs every query parameter, sorted, with ts', () => {
    const out = signJson(['request-uri', '--key', keyFile, '--method', 'GET', '--url', 'https://ollama.com/api/tags', '--ts', '1700000000']);
    expect(out['signedString']).toBe('GET,/api/tags?ts=1700000000');
    expect(out['authorizationBearerForm']).toBe(golden.app_ui_doSelfSigned.authorization);
    const withQuery = signJson(['request-uri', '--key', keyFile, '--method', 'GET', '--url', 'https://ollama.com/x?b=2&a=1', '--ts', '5']);
    expect(withQuery['signedString']).toBe('GET,/x?a=1&b=2&ts=5');
  });

  test('HOME decides the default key, as in Ollama', () => {
    const result = runCli(['sign', 'direct', '--method', 'POST', '--path', '/api/me', '--ts', '1700000000'], { env: { ...process.env, HOME: home } });
    expect(JSON.parse(result.stdout).authorization).toBe(golden.whoami.authorization);
  });

  test('without --ts and --nonce-hex the output uses the clock and a fresh nonce', () => {
    const args = ['registry', '--key', keyFile, '--realm', 'https://r/t', '--service', 's', '--scope', 'x'];
    const a = signJson(args);
    const b = signJson(args);
    expect(Math.abs(Number(a['ts']) - Date.now() / 1000)).toBeLessThan(60);
    expect(a['nonce']).not.toBe(b['nonce']);
  });
});

describe('oac errors are one line and non-zero', () => {
  test.each([
    [['sign', 'registry', '--realm', 'r', '--service', 's'], 2, 'Missing required argument: scope'],
    [['sign', 'registry', '--realm', 'r', '--service', 's', '--scope', 'x', '--nonce-hex', 'zz'], 2, '--nonce-hex must be 32 hex digits'],
    [['sign', 'direct', '--method', 'GET', '--path', 'api/tags'], 2, '--path must start with "/"'],
    [['sign', 'direct', '--method', 'GET', '--path', '/x', '--ts', '-5'], 2, '--ts must be a non-negative integer'],
    [['sign'], 2, 'name a flavour'],
    [['no-such-command'], 2, 'Unknown argument: no-such-command'],
  ])('oac %j', (args, status, fragment) => {
    const result = runCli(args as string[]);
    expect(result.status).toBe(status);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(fragment);
  });

  test('a missing key names the path and exits 1', () => {
    const result = runCli(['sign', 'direct', '--key', '/nonexistent/id_ed25519', '--method', 'GET', '--path', '/api/tags']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^oac: .*\/nonexistent\/id_ed25519.*\n$/);
  });

  test('every command has --help', () => {
    for (const args of [['--help'], ['keygen', '--help'], ['sign', '--help'], ['sign', 'registry', '--help'], ['sign', 'direct', '--help'], ['sign', 'request-uri', '--help']]) {
      const result = runCli(args);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('--help');
    }
  });
});

describe('oac keygen', () => {
  test('writes the key pair, prints the public line and never overwrites', () => {
    const dir = mkdtempSync(join(home, 'oac-keygen-'));
    const first = runCli(['keygen', '--home', dir]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}\n$/);
    const second = runCli(['keygen', '--home', dir]);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('already exists; refusing to overwrite');
  });
});
