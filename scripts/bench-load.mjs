#!/usr/bin/env node
/**
 * The load generator of `npm run bench` (scripts/bench.mjs runs it as its own process, so that the
 * server under load never shares a CPU queue with the client's signing): complete registry handshakes,
 * as Ollama's Go client does them (docs/protocol.md §1) — 401 with a challenge → signed GET of the token
 * URL → Bearer retry — over C concurrent keep-alive connections, until K handshakes are done or S
 * seconds have passed, after a short warm-up. Loopback only.
 *
 *   node scripts/bench-load.mjs --url http://127.0.0.1:PORT/v2/library/llama3/manifests/latest
 *        [--concurrency 16] [--handshakes 2000] [--seconds 10] [--warmup 50] [--sample FILE]
 *
 * --sample FILE writes the three responses of the first handshake (status, raw headers, body in
 * base64, and the origin they came from) for scripts/bench-bare.mjs to replay. The last stdout line is
 * one JSON object: {handshakes, seconds, perSecond, p50Ms, p95Ms, concurrency}.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, usageExit } from './bench-args.mjs';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const usage = (message) => usageExit('bench-load', message);

function parseArgs(argv) {
  const opts = benchArgs('bench-load', argv, {
    url: { type: 'string', required: 'the manifest URL of the server under load' },
    concurrency: { type: 'integer', default: 16 },
    handshakes: { type: 'integer', default: 2000 },
    seconds: { type: 'number', default: 10 },
    warmup: { type: 'integer', default: 50 },
    sample: { type: 'string' },
  });
  let url;
  try {
    url = new URL(opts.url);
  } catch (err) {
    usage(`--url must be an absolute http URL, got ${opts.url} (${err instanceof Error ? err.message : String(err)})`);
  }
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) usage(`--url must be http on loopback (127.0.0.1, localhost, [::1]), got ${opts.url}`);
  return opts;
}

const dist = (path) => import(pathToFileURL(join(DIST, path)).href);

async function loadProtocol() {
  const [{ keyFromSeed }, challenge, tokenUrl, signing, authorization, nonce, tokenResponse, emulator] = await Promise.all([
    dist('keys/index.js'), dist('protocol/challenge.js'), dist('protocol/token-url.js'), dist('protocol/signing.js'),
    dist('protocol/authorization.js'), dist('protocol/nonce.js'), dist('protocol/token-response.js'), dist('emulator/index.js'),
  ]);
  return {
    // A throwaway key, made here and forgotten at exit: the emulator accepts any well-formed key.
    key: keyFromSeed(randomBytes(32)),
    MANIFEST_MEDIA_TYPE: emulator.MANIFEST_MEDIA_TYPE,
    parseBearerChallenge: challenge.parseBearerChallenge,
    buildTokenUrl: tokenUrl.buildTokenUrl,
    registrySignedString: signing.registrySignedString,
    formatAuthorization: authorization.formatAuthorization,
    newNonce: nonce.newNonce,
    parseTokenResponse: tokenResponse.parseTokenResponse,
  };
}

/** One HTTP exchange over the keep-alive agent; the body is read whole. */
function request(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The client side of one registry handshake; throws unless it ends with the manifest (a bench of refusals measures nothing). */
async function handshake(lib, agent, resourceUrl) {
  const accept = { Accept: lib.MANIFEST_MEDIA_TYPE };
  const challenge = await request(agent, resourceUrl, accept);
  if (challenge.status !== 401) throw new Error(`expected 401 with a challenge, got ${challenge.status}`);
  const bearer = lib.parseBearerChallenge(challenge.headers['www-authenticate']);
  const tokenUrl = lib.buildTokenUrl({ realm: bearer.realm, service: bearer.service ?? '', scope: bearer.scope ?? '', ts: Math.floor(Date.now() / 1000), nonce: lib.newNonce() });
  const signature = lib.key.sign(lib.registrySignedString(tokenUrl));
  const token = await request(agent, tokenUrl, { Authorization: lib.formatAuthorization(lib.key.publicKeyField, signature, 'raw') });
  if (token.status !== 200) throw new Error(`token request refused: ${token.status} ${token.headers['x-oac-reason'] ?? token.body.toString('utf8').slice(0, 200)}`);
  const value = lib.parseTokenResponse(token.body.toString('utf8'));
  const resource = await request(agent, resourceUrl, { ...accept, Authorization: `Bearer ${value}` });
  if (resource.status !== 200) throw new Error(`retry with the token refused: ${resource.status} ${resource.headers['x-oac-reason'] ?? resource.body.toString('utf8').slice(0, 200)}`);
  return [challenge, token, resource];
}

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round = (n, digits = 2) => Number(n.toFixed(digits));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const lib = await loadProtocol();
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  try {
    const first = await handshake(lib, agent, opts.url);
    if (opts.sample !== undefined) {
      const sample = first.map((r) => ({ status: r.status, rawHeaders: r.rawHeaders, body: r.body.toString('base64') }));
      writeFileSync(opts.sample, JSON.stringify({ origin: new URL(opts.url).origin, responses: sample }));
    }
    // Warm-up on every connection at once, so that all C sockets exist before the clock starts.
    const warmupEach = Math.max(1, Math.ceil(opts.warmup / opts.concurrency));
    await Promise.all(Array.from({ length: opts.concurrency }, async () => {
      for (let i = 0; i < warmupEach; i++) await handshake(lib, agent, opts.url);
    }));
    const latencies = [];
    const started = process.hrtime.bigint();
    const deadline = started + BigInt(Math.round(opts.seconds * 1e9));
    let issued = 0;
    const worker = async () => {
      while (issued < opts.handshakes && process.hrtime.bigint() < deadline) {
        issued++;
        const t0 = process.hrtime.bigint();
        await handshake(lib, agent, opts.url);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const result = {
      handshakes: latencies.length,
      seconds: round(elapsed, 3),
      perSecond: round(latencies.length / elapsed, 1),
      p50Ms: round(percentile(latencies, 50), 3),
      p95Ms: round(percentile(latencies, 95), 3),
      concurrency: opts.concurrency,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    agent.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`bench-load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
