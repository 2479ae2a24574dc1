/**
 * Every credential shape through every output, then a scan of every byte written.
 *
 * 1. `oac check` (the built CLI, a separate process, as a user runs it) with a client that deliberately
 *    sends and prints its secrets: a script written here into a temp dir, which prints the private key
 *    file, the API key, the Basic user:pass and a signed Authorization (from `oac sign`), sends a signed
 *    request, a Bearer API key, Basic credentials and a URL with userinfo to the server, then runs the
 *    reference client (`oac client`) for the real flow. It notes every secret it held and every
 *    `X-Oac-Reason` it was sent in a side file the harness never reads.
 * 2. `oac record` (the library call its command makes) against an emulator on loopback, for the signed,
 *    API-key and Basic flows, with a key whose every signature is captured as it is made.
 * 3. The error message of a request the reference client refuses (a URL with userinfo it cannot parse).
 *
 * Scanned: results.json, junit.xml, report.html, evidence.md (`--evidence`), `oac report --format md`, the
 * terminal of `oac check`, the X-Oac-Reason values,
 * the cassettes, the error messages. No secret value (private key body, signature, API key, password,
 * Basic credentials, token) may appear; the redacted forms must.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { generateOllamaKey, type OllamaKey } from '../../src/keys/index.js';
import { recordCassette } from '../../src/recorder/record.js';
import { sendRequest } from '../../src/reference/http.js';
import { REDACTED } from '../../src/redaction/index.js';
import { CLI } from '../helpers/cli.js';
import { runProcess } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'oac-redaction-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIOS = ['registry/golden', 'direct/golden-tags', 'apikey/golden', 'apikey/revoked', 'basic/golden', 'basic/wrong-credentials'];
const SIDE_FILE = join(dir, 'client-secrets.jsonl');
const REPORT_DIR = join(dir, 'report');
const EVIDENCE_DIR = join(dir, 'evidence');

/** The leaky client: everything it knows goes to stdout/stderr and onto the wire; the side file tells the test what that was. */
const CLIENT = `
import { appendFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const [action, target] = process.argv.slice(2);
const held = [];
const hold = (kind, value) => { if (value) held.push({ kind, value }); return value; };

let keyText = '';
try {
  keyText = readFileSync(process.env.HOME + '/.ollama/id_ed25519', 'utf8');
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
  console.error('no key file: ' + err.message);
}
for (const line of keyText.split('\\n')) if (/^[A-Za-z0-9+/=]{20,}$/.test(line)) hold('private key body', line);

const url = new URL(target);
// Only what the harness handed out: a secret the client invents itself and prints as bare text has no
// shape and was never the harness's to know.
const apiKey = hold('API key', process.env.OLLAMA_API_KEY);
const user = decodeURIComponent(url.username);
const pass = hold('password', decodeURIComponent(url.password));
const basic = pass ? hold('Basic credentials', Buffer.from(user + ':' + pass).toString('base64')) : undefined;
let signed;
if (keyText !== '') {
  const r = spawnSync('oac', ['sign', 'direct', '--method', 'GET', '--path', '/api/tags', '--base', url.origin], { encoding: 'utf8' });
  if (r.status === 0) signed = JSON.parse(r.stdout).authorization;
  else console.error('oac sign failed: ' + r.stderr);
}
if (signed) hold('signature', signed.split(':')[1]);
const withUserinfo = pass ? url.protocol + '//' + encodeURIComponent(user) + ':' + encodeURIComponent(pass) + '@' + url.host + '/api/tags' : undefined;

console.log('my key file:\\n' + keyText);
if (apiKey) console.log('OLLAMA_API_KEY=' + apiKey);
if (apiKey) console.error('Authorization: Bearer ' + apiKey);
if (basic) console.error('Authorization: Basic ' + basic + ' (' + user + ':' + pass + ')');
if (signed) console.error('Authorization: ' + signed);
if (withUserinfo) console.error('GET ' + withUserinfo);

const reasons = [];
const send = (target, headers) => new Promise((resolve) => {
  const req = http.request(target, { headers }, (res) => {
    if (res.headers['x-oac-reason']) reasons.push(String(res.headers['x-oac-reason']));
    res.resume();
    res.on('end', resolve);
  });
  req.on('error', (err) => { console.error('send failed: ' + err.message); resolve(); });
  req.end();
});
if (url.protocol === 'http:') {
  if (signed) await send(url.origin + '/api/tags', { Authorization: signed });
  if (apiKey) await send(url.origin + '/api/tags', { Authorization: 'Bearer ' + apiKey });
  if (basic) await send(url.origin + '/api/tags', { Authorization: 'Basic ' + basic });
  if (withUserinfo) await send(withUserinfo, {});
}

const real = spawnSync('oac', ['client', action, target], { encoding: 'utf8' });
process.stdout.write(real.stdout);
process.stderr.write(real.stderr + (apiKey ? 'and once more, my API key is ' + apiKey + '\\n' : '') + (pass ? 'and my password is ' + pass + '\\n' : ''));
appendFileSync(${JSON.stringify(SIDE_FILE)}, JSON.stringify({ action, held, reasons }) + '\\n');
process.exit(real.status ?? 1);
`;

interface Written {
  /** Output name → its bytes as text. */
  outputs: Map<string, string>;
  /** Secret label → value. */
  secrets: Map<string, string>;
  reasons: string[];
}

const written: Written = { outputs: new Map(), secrets: new Map(), reasons: [] };

function addSecret(label: string, value: string): void {
  // Values shorter than 8 characters could occur in unrelated text by chance; the run never makes such.
  if (value.length >= 8) written.secrets.set(`${label} (${written.secrets.size})`, value);
}

/** Runs `oac check` on the leaky client; collects the reports, the terminal and what the client held. */
async function checkRun(): Promise<void> {
  const client = join(dir, 'leaky-client.mjs');
  writeFileSync(client, CLIENT);
  const run = await runProcess(process.execPath, [CLI, 'check', '--client', `node ${client}`, '--scenario', SCENARIOS.join(','), '--jobs', '2', '--report-dir', REPORT_DIR, '--evidence', EVIDENCE_DIR], { timeoutMs: 240_000 });
  written.outputs.set('oac check terminal (stdout)', run.stdout);
  written.outputs.set('oac check terminal (stderr)', run.stderr);
  for (const file of ['results.json', 'junit.xml', 'report.html']) written.outputs.set(file, readFileSync(join(REPORT_DIR, file), 'utf8'));
  // The PR comment and the Markdown summary of a saved run are outputs too: a reviewer pastes them.
  written.outputs.set('evidence.md', readFileSync(join(EVIDENCE_DIR, 'evidence.md'), 'utf8'));
  const markdown = await runProcess(process.execPath, [CLI, 'report', join(REPORT_DIR, 'results.json'), '--format', 'md'], { timeoutMs: 60_000 });
  if (markdown.code !== 0) throw new Error(`oac report --format md failed: ${markdown.stderr}`);
  written.outputs.set('oac report --format md', markdown.stdout);
  if (!existsSync(SIDE_FILE)) throw new Error(`the leaky client never finished (no ${SIDE_FILE}); oac check printed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
  const lines = readFileSync(SIDE_FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; held: Array<{ kind: string; value: string }>; reasons: string[] });
  expect(lines.length).toBe(SCENARIOS.length);
  for (const line of lines) {
    for (const { kind, value } of line.held) addSecret(`${kind} held by the client in ${line.action}`, value);
    written.reasons.push(...line.reasons);
  }
}

/** A key whose every signature is noted as a secret the moment it is made (the key object is frozen: a copy). */
function capturingKey(key: OllamaKey): OllamaKey {
  return {
    ...key,
    sign: (message: Uint8Array) => {
      const signature = key.sign(message);
      addSecret('signature made while recording', Buffer.from(signature).toString('base64'));
      return signature;
    },
  };
}

/** Records the signed, API-key and Basic flows against an emulator that verifies them. */
async function recordRun(): Promise<void> {
  const generated = generateOllamaKey({ home: join(dir, 'record-home') });
  for (const line of readFileSync(generated.privatePath, 'utf8').split('\n')) if (/^[A-Za-z0-9+/=]{20,}$/.test(line)) addSecret('private key body (recorder)', line);
  const apiKey = `k${randomBytes(20).toString('hex')}`;
  const basic = { user: 'recorder', pass: randomBytes(12).toString('base64url') };
  addSecret('API key (recorder)', apiKey);
  addSecret('password (recorder)', basic.pass);
  addSecret('Basic credentials (recorder)', Buffer.from(`${basic.user}:${basic.pass}`).toString('base64'));
  const publicOrigin = 'http://registry.emulated.test';
  const emulator: Emulator = createEmulator({ publicOrigin, authorizedKeys: [generated.key.publicKeyField], apiKeys: [apiKey], basic });
  const { port } = await emulator.start();
  try {
    for (const [flow, variant] of [['registry', 'pull'], ['direct', 'tags'], ['api-key', 'tags'], ['basic', 'tags']] as const) {
      const from = emulator.log.length;
      const out = join(dir, 'cassettes', flow, `${variant}.har`);
      await recordCassette({ flow, variant, target: `http://127.0.0.1:${port}`, publicOrigin, key: capturingKey(generated.key), apiKey, basic, out } as Parameters<typeof recordCassette>[0]);
      written.outputs.set(`cassette ${flow}/${variant}`, readFileSync(out, 'utf8'));
      for (const event of emulator.log.slice(from)) {
        const nonce = /[?&]nonce=([^&]+)/.exec(event.url)?.[1];
        // The emulator's token is base64(<public origin + token request target>):<A>:<B>; its first 60 characters are secret enough.
        if (nonce !== undefined) addSecret('token issued while recording', Buffer.from(publicOrigin + event.url).toString('base64').slice(0, 60));
      }
    }
    await refusedRequests(`http://127.0.0.1:${port}`, basic.user);
  } finally {
    await emulator.stop();
  }
}

/**
 * Wrong credentials of every shape sent to the emulator, which refuses each with an `X-Oac-Reason`
 * header: what the header says about the credential it refused.
 */
async function refusedRequests(origin: string, user: string): Promise<void> {
  const stranger = generateOllamaKey({ home: join(dir, 'stranger-home') }).key;
  const ts = Math.floor(Date.now() / 1000);
  const signature = Buffer.from(stranger.sign(`GET,/api/tags?ts=${ts}`)).toString('base64');
  const wrongKey = `k${randomBytes(20).toString('hex')}`;
  const wrongPass = randomBytes(12).toString('base64url');
  const wrongBasic = Buffer.from(`${user}:${wrongPass}`).toString('base64');
  addSecret('signature by an unregistered key', signature);
  addSecret('wrong API key', wrongKey);
  addSecret('wrong password', wrongPass);
  addSecret('wrong Basic credentials', wrongBasic);
  for (const authorization of [`${stranger.publicKeyField}:${signature}`, `Bearer ${stranger.publicKeyField}:${signature}`, `Bearer ${wrongKey}`, `Basic ${wrongBasic}`]) {
    const path = authorization.startsWith('Basic') || authorization.startsWith(`Bearer ${wrongKey}`) ? '/api/tags' : `/api/tags?ts=${ts}`;
    const res = await sendRequest({ method: 'GET', url: `${origin}${path}`, headers: { Authorization: authorization } });
    const reason = res.headers['x-oac-reason'];
    if (reason !== undefined) written.reasons.push(...(Array.isArray(reason) ? reason : [reason]));
  }
  written.outputs.set('X-Oac-Reason values', written.reasons.join('\n'));
}

/** The message of a request the reference client refuses: its URL held a password. */
async function errorMessages(): Promise<void> {
  const pass = randomBytes(12).toString('base64url');
  addSecret('password in a refused URL', pass);
  const messages: string[] = [];
  for (const url of [`http://alice:${pass}@127.0.0.1:1/api/tags\u0001`, `http://alice:${pass}@127.0.0.1:1/a b?x=1 2`, `ftp://alice:${pass}@127.0.0.1:1/`]) {
    const failure = await sendRequest({ method: 'GET', url, headers: {} }).then(() => 'no error', (err: Error) => err.message);
    messages.push(failure);
  }
  written.outputs.set('reference client error messages', messages.join('\n'));
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  await checkRun();
  await recordRun();
  await errorMessages();
}, 300_000);

describe('no secret in any byte written', () => {
  test('the run produced every output and held every kind of secret', () => {
    expect([...written.outputs.keys()].sort()).toEqual([
      'X-Oac-Reason values', 'cassette api-key/tags', 'cassette basic/tags', 'cassette direct/tags', 'cassette registry/pull',
      'evidence.md', 'junit.xml', 'oac check terminal (stderr)', 'oac check terminal (stdout)', 'oac report --format md', 'reference client error messages', 'report.html', 'results.json',
    ]);
    const kinds = new Set([...written.secrets.keys()].map((label) => label.replace(/ held by the client in .*| \(.*$/, '')));
    for (const kind of [
      'private key body', 'signature', 'API key', 'password', 'Basic credentials', 'signature made while recording', 'token issued while recording',
      'password in a refused URL', 'signature by an unregistered key', 'wrong API key', 'wrong password', 'wrong Basic credentials',
    ]) {
      expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    }
    expect(written.reasons.length).toBe(4);
  });

  test('scan: no output holds any secret value', () => {
    const leaks: string[] = [];
    for (const [output, text] of written.outputs) {
      for (const [label, value] of written.secrets) {
        const at = text.indexOf(value);
        // Where it leaked, with the value itself masked (a failing test must not print the secret either).
        if (at !== -1) leaks.push(`${output}: ${label} in ${JSON.stringify(`${text.slice(Math.max(0, at - 60), at)}<HERE>${text.slice(at + value.length, at + value.length + 20)}`)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  test('the redacted forms are there instead', () => {
    const results = written.outputs.get('results.json')!;
    for (const form of [`${REDACTED} private key`, `Bearer ${REDACTED}`, `Basic ${REDACTED}`, `OLLAMA_API_KEY=${REDACTED}`, `:${REDACTED}@127.0.0.1`]) {
      expect([form, results.includes(JSON.stringify(form).slice(1, -1))]).toEqual([form, true]);
    }
    // XML and HTML escape the angle brackets of the redacted form.
    expect(written.outputs.get('junit.xml')).toContain('Bearer &lt;redacted&gt;');
    expect(written.outputs.get('report.html')).toContain('Bearer &lt;redacted&gt;');
    expect(written.outputs.get('X-Oac-Reason values')).toMatch(/<\d+ chars>|unregistered|not authorized|unknown/i);
    expect(written.outputs.get('cassette registry/pull')).toMatch(/<pubkey:ssh-ed25519 68 base64>:<signature:88 base64>/);
    expect(written.outputs.get('cassette registry/pull')).toMatch(/<token:opaque \d+ chars #1>/);
    expect(written.outputs.get('cassette api-key/tags')).toMatch(/Bearer <apikey:41 chars>/);
    expect(written.outputs.get('cassette basic/tags')).toMatch(/Basic <basic:\d+ base64>/);
    expect(written.outputs.get('reference client error messages')).toContain(`//${REDACTED}@127.0.0.1:1`);
  });
});
