/**
 * What a recording run leaves behind: nothing when the golden run fails (reported with the reason, an
 * existing cassette untouched), a readable summary of what changed when a cassette is re-recorded, and
 * input checks that fail before any request (expiry, model, missing credentials).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { recordCassette } from '../../src/recorder/index.js';
import { codeOf, freshKey, runRecordCli, startEmulator, tempDir, VECTOR_MS, type StartedEmulator } from './support.js';

const PUBLIC_ORIGIN = 'http://registry.emulated.test';
const key = freshKey();
let stale: StartedEmulator;
let unknown: StartedEmulator;
let normal: StartedEmulator;
let clockMs = VECTOR_MS;

beforeAll(async () => {
  stale = await startEmulator({ publicOrigin: PUBLIC_ORIGIN, faults: { staleTs: true } });
  unknown = await startEmulator({ publicOrigin: PUBLIC_ORIGIN, faults: { unknownKey: true } });
  normal = await startEmulator({ publicOrigin: PUBLIC_ORIGIN, now: () => clockMs });
});
afterAll(async () => {
  await stale.emulator.stop();
  await unknown.emulator.stop();
  await normal.emulator.stop();
});

async function failure(run: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await run;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the recording to fail');
}

describe('a failed handshake is reported, never saved', () => {
  test('the token endpoint refuses a stale ts (emulator fault stale-ts): record/handshake-failed, no file', async () => {
    const out = join(tempDir('stale'), 'pull.har');
    const err = await failure(recordCassette({ target: stale.origin, publicOrigin: PUBLIC_ORIGIN, flow: 'registry', key, out }));
    expect(codeOf(err)).toBe('record/handshake-failed');
    expect(err.message).toBe(`nothing written to ${out}: the registry/pull flow against ${PUBLIC_ORIGIN} (dialling ${stale.origin}) failed: registry/token-endpoint: 401`);
    expect(existsSync(out)).toBe(false);
    expect(stale.emulator.log.map((e) => e.status)).toEqual([401, 401]);
  });

  test('an unknown key on ollama.com (fault unknown-key): the 401 with its signin_url is the reason, an existing cassette stays as it was', async () => {
    const out = join(tempDir('unknown'), 'tags.har');
    writeFileSync(out, 'the previous cassette\n');
    const before = statSync(out).mtimeMs;
    const err = await failure(recordCassette({ target: unknown.origin, publicOrigin: PUBLIC_ORIGIN, flow: 'direct', key, out }));
    expect(codeOf(err)).toBe('record/handshake-failed');
    expect(err.message).toContain('failed: direct/unauthorized: 401: unauthorized (sign in at https://ollama.com/connect?name=emulator&key=');
    expect(readFileSync(out, 'utf8')).toBe('the previous cassette\n');
    expect(statSync(out).mtimeMs).toBe(before);
  });

  test('through the CLI command: the handler rejects with the OacError that main.ts prints as one line; nothing on stdout', async () => {
    const dir = tempDir('cli-fail');
    const run = await runRecordCli(['record', '--target', stale.origin, '--public-origin', PUBLIC_ORIGIN, '--flow', 'registry', '--test-key', '--out', join(dir, 'x.har')]);
    expect(codeOf(run.error)).toBe('record/handshake-failed');
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'x.har'))).toBe(false);
  });
});

describe('re-recording shows what changed', () => {
  test('same clock, same nonces: "unchanged" and the file is not rewritten', async () => {
    const out = join(tempDir('same'), 'pull.har');
    const nonces = () => {
      let n = 0;
      return () => {
        n += 1;
        return Uint8Array.from({ length: 16 }, (_, i) => (i + n * 16) % 256);
      };
    };
    clockMs = VECTOR_MS;
    const first = await recordCassette({ target: normal.origin, publicOrigin: PUBLIC_ORIGIN, flow: 'registry', key, out, now: () => clockMs, nonceBytes: nonces() });
    expect(first.diff).toEqual({ status: 'new', lines: ['new cassette: 3 entries (challenge, token, retry)'] });
    const mtime = statSync(out).mtimeMs;
    // A fresh emulator would accept the same nonce again; this one remembers it, so the nonces differ by one request.
    const second = await recordCassette({ target: normal.origin, publicOrigin: PUBLIC_ORIGIN, flow: 'registry', key, out, now: () => clockMs, nonceBytes: (() => { const f = nonces(); f(); return f; })() });
    expect(second.diff).toEqual({ status: 'unchanged', lines: ['unchanged'] });
    expect(second.written).toBe(false);
    expect(statSync(out).mtimeMs).toBe(mtime);
  });

  test('a minute later: the summary names the token URL ts, the entry times and the provenance dates', async () => {
    const dir = tempDir('later');
    const out = join(dir, 'tags.har');
    clockMs = VECTOR_MS;
    await runRecordCli(['record', '--target', normal.origin, '--public-origin', PUBLIC_ORIGIN, '--flow', 'direct', '--test-key', '--out', out, '--deterministic']);
    clockMs = VECTOR_MS + 60_000;
    const run = await runRecordCli(['record', '--target', normal.origin, '--public-origin', PUBLIC_ORIGIN, '--flow', 'direct', '--test-key', '--out', out, '--deterministic', '--now', '1700000060']);
    expect(run.error).toBeUndefined();
    expect(run.stdout.split('\n')).toEqual([
      `wrote ${out} (1 entries: resource)`,
      '  entry 1 (resource):',
      `    request: GET ${PUBLIC_ORIGIN}/api/tags?ts=1700000000 → GET ${PUBLIC_ORIGIN}/api/tags?ts=1700000060`,
      '    startedDateTime: 2023-11-14T22:13:20.000Z → 2023-11-14T22:14:20.000Z',
      '  provenance expiresAt: "2033-11-11T22:13:20.000Z" → "2033-11-11T22:14:20.000Z"',
      '  provenance recordedAt: "2023-11-14T22:13:20.000Z" → "2023-11-14T22:14:20.000Z"',
      '',
    ]);
  });

  test('a server answer that changed is shown with both values', async () => {
    const dir = tempDir('changed');
    const out = join(dir, 'tags.har');
    clockMs = VECTOR_MS;
    await recordCassette({ target: normal.origin, publicOrigin: PUBLIC_ORIGIN, flow: 'direct', key, out, now: () => VECTOR_MS });
    const other = await startEmulator({ publicOrigin: PUBLIC_ORIGIN, now: () => VECTOR_MS, cloudModels: [] });
    try {
      const result = await recordCassette({ target: other.origin, publicOrigin: PUBLIC_ORIGIN, flow: 'direct', key, out, now: () => VECTOR_MS });
      expect(result.diff.status).toBe('changed');
      expect(result.diff.lines).toEqual(['entry 1 (resource):', expect.stringMatching(/^ {2}response body: "\{\\"models\\":\[\{.*…\(\d+ chars\) → "\{\\"models\\":\[\]\}"$/)]);
    } finally {
      await other.emulator.stop();
    }
  });
});

describe('inputs are checked before any request', () => {
  const dir = tempDir('inputs');
  const base = { target: 'http://127.0.0.1:9', flow: 'registry', key, out: join(dir, 'x.har') } as const;

  test.each([
    { label: 'expiresIn "soon"', change: { expiresIn: 'soon' }, code: 'record/bad-expires-in', message: '--expires-in: expected a duration like 30d, 12h or 1d12h (units s, m, h, d), got "soon"' },
    { label: 'expiresIn "0d"', change: { expiresIn: '0d' }, code: 'record/bad-expires-in', message: '--expires-in must be longer than 0 seconds, got "0d"' },
    { label: 'a model with upper case', change: { model: 'Library/Llama3' }, code: 'record/bad-model', message: '--model must look like ns/name:tag (lower-case names), got "Library/Llama3"' },
    { label: 'a target with a path', change: { target: 'http://127.0.0.1:9/v2' }, code: 'record/bad-target', message: '--target must be "http(s)://host[:port]" without path, query or credentials, got "http://127.0.0.1:9/v2"' },
    { label: 'an unknown flow', change: { flow: 'oauth' }, code: 'record/bad-flow', message: '--flow must be one of registry, direct, api-key, basic, got "oauth"' },
    { label: 'the api-key flow without a key', change: { flow: 'api-key' }, code: 'record/no-api-key', message: 'the api-key flow needs an API key: pass --api-key-file FILE or set OLLAMA_API_KEY' },
    { label: 'the live label on an emulator target', change: { origin: 'live' as const }, code: 'record/bad-origin', message: 'origin "live" is only for --target live without connectTo: anything else did not come from the live services' },
  ])('$label → $code', async ({ change, code, message }) => {
    const err = await failure(recordCassette({ ...base, ...change }));
    expect({ code: codeOf(err), message: err.message }).toEqual({ code, message });
  });

  test('CLI usage errors: --key with --test-key, a bad --connect-to, --now without --deterministic', async () => {
    const a = await runRecordCli(['record', '--target', 'http://127.0.0.1:9', '--flow', 'direct', '--key', 'k', '--test-key']);
    expect({ code: codeOf(a.error), message: (a.error as Error).message }).toEqual({ code: 'cli/usage', message: '--key and --test-key exclude each other' });
    const b = await runRecordCli(['record', '--target', 'http://127.0.0.1:9', '--flow', 'direct', '--test-key', '--connect-to', 'ollama.com:443']);
    expect((b.error as Error).message).toBe('--connect-to must be HOST:PORT:ADDRESS:PORT (as curl\'s), got "ollama.com:443"');
    const c = await runRecordCli(['record', '--target', 'http://127.0.0.1:9', '--flow', 'direct', '--test-key', '--now', '5']);
    expect((c.error as Error).message).toBe('--now needs --deterministic');
    const d = await runRecordCli(['record', '--target', 'ftp://x', '--flow', 'direct', '--test-key']);
    expect((d.error as Error).message).toBe('--target must be "live" or an http(s) URL, got "ftp://x"');
  });
});
