/**
 * The recorder's small pure pieces: placeholder grammar, entry roles, the dial rewrite, argument parsers,
 * stable JSON and the atomic write.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parseConnectTo } from '../../src/cli/record.js';
import {
  classifyEntries, parseModel, parsePlaceholder, placeholder, placeholdersIn, Redactor, stableStringify, writeFileAtomic,
} from '../../src/recorder/index.js';
import { reroute } from '../../src/recorder/polly.js';
import { scrubMessage } from '../../src/recorder/replay.js';
import { freshKey, randomToken, tempDir } from './support.js';

describe('placeholders', () => {
  test('<kind:detail> round-trips; < and > cannot appear in a detail', () => {
    expect(placeholder('token', 'opaque 370 chars #1')).toBe('<token:opaque 370 chars #1>');
    expect(parsePlaceholder('<signature:88 base64>')).toEqual({ kind: 'signature', detail: '88 base64' });
    expect(parsePlaceholder('<password:8>')).toBeUndefined();
    expect(placeholdersIn('Bearer <token:opaque 9 chars #2> and <nonce:22 base64url>').map((p) => p.kind)).toEqual(['token', 'nonce']);
    expect(() => placeholder('token', 'a>b')).toThrow('placeholder detail must be printable ASCII without < or >');
  });

  test('the redactor replaces a learned secret everywhere it occurs, percent-encoded forms included', () => {
    const key = freshKey();
    const r = new Redactor({ publicKeyField: key.publicKeyField }, 'token');
    // Token-shaped values are made here, at run time (the repository scan would flag a literal one).
    const token = `${randomToken(12)}.${randomToken(8)}/with+${randomToken(4)}`;
    r.learnAuthorization(`Bearer ${token}`);
    expect(r.redactText(`x=${encodeURIComponent(key.publicKeyField)}&t=${token}&u=${encodeURIComponent(token)}`))
      .toBe('x=<pubkey:ssh-ed25519 68 base64>&t=<token:opaque 31 chars #1>&u=<token:opaque 31 chars #1>');
    expect(r.redactText(`key=${Buffer.from(`ssh-ed25519 ${key.publicKeyField}`).toString('base64url')}`)).toBe('key=<pubkey:signin authorized-key base64url>');
  });
});

describe('scrubbing Polly\'s own messages', () => {
  test('an Authorization quoted in a Polly error keeps its scheme and loses its value; signature pairs become placeholders', () => {
    const key = freshKey();
    const pair = `${key.publicKeyField}:${Buffer.from(key.sign('x')).toString('base64')}`;
    const polly = `[Polly] [adapter:node-http] Recording for the following request is not found.\n{"headers": {"authorization": "Bearer ${randomToken(30)}", "x": "${pair}"}}`;
    expect(scrubMessage(polly)).toBe('[Polly] [adapter:node-http] Recording for the following request is not found.\n{"headers": {"authorization": "Bearer <redacted>", "x": "<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>"}}');
  });
});

describe('entry roles', () => {
  const challenge = { name: 'www-authenticate', value: 'Bearer realm="https://r.test/v2/token",service="r.test",scope="repository:a/b:pull"' };
  const entry = (method: string, url: string, status: number, headers = [] as Array<{ name: string; value: string }>) => ({ request: { method, url }, response: { status, headers } });

  test('challenge → token (a request to the named realm) → retry (the challenged request again)', () => {
    expect(classifyEntries([
      entry('GET', 'https://r.test/v2/a/b/manifests/latest', 401, [challenge]),
      entry('GET', 'https://r.test/v2/token?nonce=x&scope=y&service=r.test&ts=1', 200),
      entry('GET', 'https://r.test/v2/a/b/manifests/latest', 200),
      entry('GET', 'https://r.test/v2/a/b/blobs/sha256:1', 307, [{ name: 'location', value: 'https://cdn.test/x' }]),
      entry('GET', 'https://cdn.test/x', 200),
    ])).toEqual(['challenge', 'token', 'retry', 'redirect', 'resource']);
  });

  test('a 401 with a Basic challenge is still a challenge; a 401 without one is a resource answer', () => {
    expect(classifyEntries([
      entry('GET', 'http://h/api/tags', 401, [{ name: 'www-authenticate', value: 'Basic realm="ollama"' }]),
      entry('GET', 'http://h/api/tags', 200),
      entry('POST', 'http://h/api/me', 401),
    ])).toEqual(['challenge', 'retry', 'resource']);
  });
});

describe('dialling elsewhere', () => {
  const map = new Map([['registry.ollama.ai:443', { host: '127.0.0.1', port: 4443 }]]);

  test('a mapped host:port is dialled at the target; Host and SNI keep the real name', () => {
    expect(reroute({ protocol: 'https:', hostname: 'registry.ollama.ai', path: '/v2/', headers: { host: 'registry.ollama.ai' } }, map)).toEqual({
      protocol: 'https:', hostname: '127.0.0.1', host: '127.0.0.1', port: 4443, path: '/v2/', headers: { host: 'registry.ollama.ai' }, servername: 'registry.ollama.ai',
    });
  });

  test('a missing Host header is added; unmapped hosts and ports are untouched', () => {
    expect(reroute({ protocol: 'https:', hostname: 'registry.ollama.ai', port: 443 }, map).headers).toEqual({ host: 'registry.ollama.ai' });
    const other = { protocol: 'https:', hostname: 'ollama.com', port: 443 };
    expect(reroute(other, map)).toBe(other);
    const otherPort = { protocol: 'https:', hostname: 'registry.ollama.ai', port: 8443 };
    expect(reroute(otherPort, map)).toBe(otherPort);
  });
});

describe('argument parsers', () => {
  test('--connect-to takes curl\'s HOST:PORT:ADDRESS:PORT', () => {
    expect(parseConnectTo(['registry.ollama.ai:443:127.0.0.1:4443', 'ollama.com:443:[::1]:8443'])).toEqual({
      'registry.ollama.ai:443': '127.0.0.1:4443', 'ollama.com:443': '[::1]:8443',
    });
  });

  test('--model: ns/name:tag with Ollama\'s defaults (namespace library, tag latest)', () => {
    expect([parseModel('llama3'), parseModel('me/private:v2'), parseModel('llama3:8b')]).toEqual([
      { namespace: 'library', name: 'llama3', tag: 'latest' },
      { namespace: 'me', name: 'private', tag: 'v2' },
      { namespace: 'library', name: 'llama3', tag: '8b' },
    ]);
  });
});

describe('files', () => {
  test('stable JSON: keys sorted at every level, arrays in order, undefined dropped, final newline', () => {
    expect(stableStringify({ b: [{ z: 1, a: 2 }], a: undefined, c: 'x' })).toBe('{\n  "b": [\n    {\n      "a": 2,\n      "z": 1\n    }\n  ],\n  "c": "x"\n}\n');
  });

  test('an atomic write leaves exactly the target file (no temp file) and replaces a previous one', () => {
    const dir = tempDir('atomic');
    const path = join(dir, 'nested', 'c.har');
    writeFileAtomic(path, 'one\n');
    writeFileAtomic(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['c.har']);
  });
});
