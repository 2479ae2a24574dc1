/**
 * Differential test: our Go net/url transcription against Go itself, on fixed edge cases and on
 * seeded random strings. Go is installed by scripts/setup-system.sh (part of `npm test`).
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTokenUrl } from '../../src/protocol/token-url.js';
import {
  goEncodeValues, goParseQuery, goParseUrl, goPathEscape, goQueryEscape, goRequestUri, goUrlString,
} from '../../src/protocol/go-url.js';

interface Query { op: 'query-escape' | 'path-escape' | 'parse-encode' | 'parse-url' | 'token-url'; input: string; service?: string; scope?: string }
interface Answer { out: string; host?: string; uri?: string; error: boolean }

function askGo(queries: Query[]): Answer[] {
  const gocache = mkdtempSync(join(tmpdir(), 'oac-gocache-'));
  try {
    const out = execFileSync('go', ['run', resolve('test/oracle/go-url/main.go')], {
      input: JSON.stringify(queries),
      env: { ...process.env, GO111MODULE: 'off', GOCACHE: process.env['GOCACHE'] ?? gocache, GOFLAGS: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out.toString('utf8')) as Answer[];
  } finally {
    rmSync(gocache, { recursive: true, force: true });
  }
}

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'Z', '0', '-', '_', '.', '~', ' ', '+', '%', '%2', '%41', '%zz', '&', '=', ';', ':', '/', '?', '#', '@', '$', ',', 'é', '日', '😀', '"', '\\', '[', ']', '!', '*', "'", '(', ')'];

function randomStrings(count: number, seed: number): string[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => {
    const len = Math.floor(next() * 12);
    return Array.from({ length: len }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('');
  });
}

function tokenUrlCases(): Query[] {
  const realms = ['https://registry.ollama.ai/v2/token', 'https://r.example/token?tenant=a b&z=1&a=%41', 'https://host', 'http://127.0.0.1:1/t?', 'basic', ''];
  const values = randomStrings(60, 99);
  return values.map((v, i) => ({
    op: 'token-url' as const,
    input: realms[i % realms.length]!,
    service: v,
    scope: `repository:${v}:pull ${values[(i + 1) % values.length]}`,
  }));
}

const FIXED_URLS = [
  'https://registry.ollama.ai/v2/token', 'https://Registry.Ollama.AI:443/v2/token?x=1#frag', 'http://127.0.0.1:8080',
  'https://host', 'basic', '', 'http://user:pa%40ss@h:1/p?q', 'https://h/a b', 'https://h/?', 'https://h/p?a=b&a=c',
];

describe('Go net/url oracle', () => {
  const strings = [...randomStrings(400, 20261123), 'repository:library/llama3:pull', 'a b', '日本', ''];
  const urls = [...FIXED_URLS, ...randomStrings(150, 7).map((s) => `https://h.example/${s.replace(/#/g, '')}`)];
  const queries: Query[] = [
    ...strings.map((input) => ({ op: 'query-escape' as const, input })),
    ...strings.map((input) => ({ op: 'path-escape' as const, input })),
    ...strings.map((input) => ({ op: 'parse-encode' as const, input })),
    ...urls.map((input) => ({ op: 'parse-url' as const, input })),
    ...tokenUrlCases(),
  ];
  let answers: Answer[];

  test('Go answers', () => {
    answers = askGo(queries);
    expect(answers).toHaveLength(queries.length);
  }, 120_000);

  test('QueryEscape, PathEscape and ParseQuery+Encode agree with Go on every input', () => {
    const mismatches: string[] = [];
    queries.forEach((q, i) => {
      const go = answers[i]!;
      let ours: string | undefined;
      if (q.op === 'query-escape') ours = goQueryEscape(q.input);
      else if (q.op === 'path-escape') ours = goPathEscape(q.input);
      else if (q.op === 'parse-encode') ours = goEncodeValues(goParseQuery(q.input).values);
      if (ours !== undefined && ours !== go.out) mismatches.push(`${q.op}(${JSON.stringify(q.input)}): go=${JSON.stringify(go.out)} ours=${JSON.stringify(ours)}`);
    });
    expect(mismatches).toEqual([]);
  });

  test('buildTokenUrl agrees with Go registryChallenge.URL() on assorted realms, services and scopes', () => {
    const mismatches: string[] = [];
    queries.forEach((q, i) => {
      if (q.op !== 'token-url') return;
      const go = answers[i]!;
      let ours: string;
      try {
        ours = buildTokenUrl({ realm: q.input, service: q.service!, scope: q.scope!, ts: 1700000000, nonce: 'AAECAwQFBgcICQoLDA0ODw' });
      } catch {
        ours = '<error>';
      }
      if (ours !== (go.error ? '<error>' : go.out)) mismatches.push(`${JSON.stringify(q)}: go=${JSON.stringify(go)} ours=${JSON.stringify(ours)}`);
    });
    expect(mismatches).toEqual([]);
  });

  test('url.Parse Host, String and RequestURI agree with Go on realm-like URLs', () => {
    const mismatches: string[] = [];
    queries.forEach((q, i) => {
      if (q.op !== 'parse-url') return;
      const go = answers[i]!;
      let ours: Answer;
      try {
        const u = goParseUrl(q.input);
        ours = { out: goUrlString(u), host: u.host, uri: goRequestUri(u), error: false };
      } catch {
        ours = { out: '', error: true };
      }
      const same = go.error ? ours.error : !ours.error && ours.out === go.out && ours.host === (go.host ?? '') && ours.uri === (go.uri ?? '');
      if (!same) mismatches.push(`${JSON.stringify(q.input)}: go=${JSON.stringify(go)} ours=${JSON.stringify(ours)}`);
    });
    expect(mismatches).toEqual([]);
  });
});
