#!/usr/bin/env node
/**
 * What the harness costs, measured in one run (`npm run bench`, after `npm run build`):
 *
 *  (a) the whole suite: wall time of `oac check` (every scenario, --jobs 2) against the reference client
 *      and against one example client (Python), each run --repeat N times (default 3), interleaved so
 *      that drift of the machine hits both alike; median and min, and the ratio Python / reference.
 *  (b) verified handshakes per second: the conformance server `oac check` uses (startConformanceServer
 *      with the registry/golden scenario: it verifies each signature, ts, nonce and token for real) in
 *      this process, driven over loopback by a client loop doing complete registry handshakes
 *      (401 → signed GET of the token URL → Bearer retry; signed with dist/keys keyFromSeed), against a
 *      bare node:http server that answers the very same statuses, headers and bodies without verifying
 *      anything, driven by the same loop. Handshakes/s of both, the ratio verified / bare, p50 and p95
 *      of the latency per handshake. The client's own work (parsing, signing) is in both numbers, so
 *      the ratio is what a client sees, not the server's cost alone.
 *
 * Everything listens on 127.0.0.1 and stops by itself: each handshake run ends after --handshakes K
 * (default 2000) or --seconds S (default 10), whichever comes first, after a short warm-up. Prints a
 * table on stdout and, last, one JSON line (`{"bench":…}`) for machines.
 *
 *   node scripts/bench.mjs [--repeat N] [--handshakes K] [--seconds S] [--concurrency C] [--only suite|handshakes]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const CLI = join(DIST, 'cli', 'main.js');
const WARMUP_HANDSHAKES = 50;

const SUITE_CLIENTS = [
  { name: 'reference', command: 'oac client' },
  { name: 'Python', command: '/usr/bin/python3 examples/python/client.py' },
];

function usage(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { repeat: 3, handshakes: 2000, seconds: 10, concurrency: 1, only: undefined };
  const positive = (name, raw) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (name !== 'seconds' && !Number.isSafeInteger(n))) usage(`--${name} must be a positive ${name === 'seconds' ? 'number' : 'whole number'}, got ${raw}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--repeat') opts.repeat = positive('repeat', next());
    else if (arg === '--handshakes') opts.handshakes = positive('handshakes', next());
    else if (arg === '--seconds') opts.seconds = positive('seconds', next());
    else if (arg === '--concurrency') opts.concurrency = positive('concurrency', next());
    else if (arg === '--only') {
      opts.only = next();
      if (opts.only !== 'suite' && opts.only !== 'handshakes') usage(`--only takes suite or handshakes, got ${opts.only}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/bench.mjs [--repeat N] [--handshakes K] [--seconds S] [--concurrency C] [--only suite|handshakes]\n');
      process.exit(0);
    } else usage(`unknown argument ${arg}`);
  }
  return opts;
}

const dist = (path) => import(pathToFileURL(join(DIST, path)).href);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round = (n, digits = 2) => Number(n.toFixed(digits));

// ---------------------------------------------------------------------------------------------------
// (a) the whole suite

function runSuite(client) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, 'check', '--client', client.command, '--jobs', '2'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // 0 and 1 are verdicts (the time counts either way); anything else means the suite did not run.
      if (code !== 0 && code !== 1) {
        const last = Buffer.concat(err).toString('utf8').trim().split('\n').at(-1) ?? '';
        reject(new Error(`oac check --client '${client.command}' ended with ${code === null ? `signal ${signal}` : `exit ${code}`}: ${last}`));
        return;
      }
      resolve({ seconds, exitCode: code });
    });
  });
}

async function benchSuite(repeat) {
  const times = Object.fromEntries(SUITE_CLIENTS.map((c) => [c.name, []]));
  for (let round_ = 1; round_ <= repeat; round_++) {
    for (const client of SUITE_CLIENTS) {
      process.stderr.write(`bench: suite ${round_}/${repeat} ${client.name} … `);
      const { seconds, exitCode } = await runSuite(client);
      process.stderr.write(`${seconds.toFixed(1)} s (exit ${exitCode})\n`);
      times[client.name].push(seconds);
    }
  }
  return Object.fromEntries(SUITE_CLIENTS.map((c) => [c.name, { runs: times[c.name].map((t) => round(t)), median: round(median(times[c.name])), min: round(Math.min(...times[c.name])) }]));
}

// ---------------------------------------------------------------------------------------------------
// (b) handshakes

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

/**
 * The client side of one registry handshake, as Ollama's Go client does it (docs/protocol.md §1): returns
 * the three responses. Throws when the flow does not end with the manifest: a benchmark of refusals
 * would measure nothing.
 */
async function handshake(lib, agent, resourceUrl) {
  const accept = { Accept: lib.MANIFEST_MEDIA_TYPE };
  const challenge = await request(agent, resourceUrl, accept);
  if (challenge.status !== 401) throw new Error(`expected 401 with a challenge, got ${challenge.status}`);
  const bearer = lib.parseBearerChallenge(challenge.headers['www-authenticate']);
  const tokenUrl = lib.buildTokenUrl({ realm: bearer.realm, service: bearer.service ?? '', scope: bearer.scope ?? '', ts: Math.floor(Date.now() / 1000), nonce: lib.newNonce() });
  const signature = lib.key.sign(lib.registrySignedString(tokenUrl));
  const token = await request(agent, tokenUrl, { Authorization: lib.formatAuthorization(lib.key.publicKeyField, signature, 'raw') });
  if (token.status !== 200) throw new Error(`token request refused: ${token.status} ${token.body.toString('utf8').slice(0, 200)}`);
  const value = lib.parseTokenResponse(token.body.toString('utf8'));
  const resource = await request(agent, resourceUrl, { ...accept, Authorization: `Bearer ${value}` });
  if (resource.status !== 200) throw new Error(`retry with the token refused: ${resource.status} ${resource.body.toString('utf8').slice(0, 200)}`);
  return [challenge, token, resource];
}

/** Drives handshakes until `count` are done or `seconds` have passed; per-handshake latencies in ms. */
async function drive(lib, resourceUrl, { handshakes, seconds, concurrency }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    for (let i = 0; i < WARMUP_HANDSHAKES; i++) await handshake(lib, agent, resourceUrl);
    const latencies = [];
    const started = process.hrtime.bigint();
    const deadline = started + BigInt(Math.round(seconds * 1e9));
    let issued = 0;
    const worker = async () => {
      while (issued < handshakes && process.hrtime.bigint() < deadline) {
        issued++;
        const t0 = process.hrtime.bigint();
        await handshake(lib, agent, resourceUrl);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      handshakes: latencies.length,
      seconds: round(elapsed, 3),
      perSecond: round(latencies.length / elapsed, 1),
      p50Ms: round(percentile(latencies, 50), 3),
      p95Ms: round(percentile(latencies, 95), 3),
    };
  } finally {
    agent.destroy();
  }
}

/** Headers node writes itself (or that describe this connection): not part of the replayed answer. */
const OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * A node:http server that answers the three requests of a handshake with the recorded responses of the
 * verified server (its origin rewritten to this server's), deciding by path and by the presence of
 * Authorization only: no parsing, no verification.
 */
async function startBareServer(recorded, verifiedOrigin) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const prepare = (response) => {
    const headers = [];
    for (let i = 0; i < response.rawHeaders.length; i += 2) {
      if (!OWN_HEADERS.has(response.rawHeaders[i].toLowerCase())) headers.push(response.rawHeaders[i], response.rawHeaders[i + 1].split(verifiedOrigin).join(origin));
    }
    const body = Buffer.from(response.body.toString('latin1').split(verifiedOrigin).join(origin), 'latin1');
    const lengthAt = headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length');
    if (lengthAt >= 0) headers[lengthAt + 1] = String(body.length);
    return { status: response.status, headers, body };
  };
  const [challenge, token, resource] = recorded.map(prepare);
  server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = req.url.startsWith('/v2/token') ? token : req.headers.authorization === undefined ? challenge : resource;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  return {
    origin,
    stop: () => new Promise((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}

async function benchHandshakes(opts) {
  const [{ keyFromSeed }, challengeMod, tokenUrlMod, signing, authorization, nonce, tokenResponse, emulator, scenarios, conformance] = await Promise.all([
    dist('keys/index.js'), dist('protocol/challenge.js'), dist('protocol/token-url.js'), dist('protocol/signing.js'), dist('protocol/authorization.js'),
    dist('protocol/nonce.js'), dist('protocol/token-response.js'), dist('emulator/index.js'), dist('conformance/scenarios.js'), dist('conformance/server.js'),
  ]);
  const key = keyFromSeed(randomBytes(32));
  const lib = {
    key,
    MANIFEST_MEDIA_TYPE: emulator.MANIFEST_MEDIA_TYPE,
    parseBearerChallenge: challengeMod.parseBearerChallenge,
    buildTokenUrl: tokenUrlMod.buildTokenUrl,
    registrySignedString: signing.registrySignedString,
    formatAuthorization: authorization.formatAuthorization,
    newNonce: nonce.newNonce,
    parseTokenResponse: tokenResponse.parseTokenResponse,
  };
  const scenario = scenarios.loadScenarios().find((s) => s.id === 'registry/golden');
  if (scenario === undefined) throw new Error('the registry/golden scenario is missing from specs/scenarios');
  const resourcePath = `/v2/${conformance.SCENARIO_MODEL.repository}/manifests/${conformance.SCENARIO_MODEL.tag}`;

  const verified = await conformance.startConformanceServer({
    scenario,
    registeredKey: key.publicKeyField,
    apiKey: `bench-${randomBytes(8).toString('hex')}`,
    basic: { user: 'bench', pass: randomBytes(9).toString('base64url') },
  });
  let verifiedResult;
  let recorded;
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    recorded = await handshake(lib, agent, `${verified.origin}${resourcePath}`);
    agent.destroy();
    process.stderr.write(`bench: verified server ${verified.origin} …\n`);
    verifiedResult = await drive(lib, `${verified.origin}${resourcePath}`, opts);
    // The server's own verdicts: every request it checked must have passed, or we measured refusals.
    const failed = verified.observations.flatMap((o) => o.findings.filter((f) => !f.ok).map((f) => `${o.method} ${o.url}: ${f.id}: ${f.message}`));
    if (failed.length > 0 || verified.harnessErrors.length > 0) throw new Error(`the verified server found problems: ${[...verified.harnessErrors, ...failed].slice(0, 3).join('; ')}`);
    verifiedResult.requestsVerified = verified.observations.length;
  } finally {
    await verified.stop();
  }

  const bare = await startBareServer(recorded, verified.origin);
  let bareResult;
  try {
    process.stderr.write(`bench: bare server ${bare.origin} …\n`);
    bareResult = await drive(lib, `${bare.origin}${resourcePath}`, opts);
  } finally {
    await bare.stop();
  }
  return { verified: verifiedResult, bare: bareResult, ratio: round(verifiedResult.perSecond / bareResult.perSecond, 3) };
}

// ---------------------------------------------------------------------------------------------------

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, n) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
    return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) usage(`${CLI} is missing: run "npm run build" first`);
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
  process.stdout.write(`Node ${machine.node} · ${machine.cpu} · ${machine.cores} cores (${machine.availableParallelism} available) · ${machine.platform}\n\n`);
  const result = { machine, options: opts };

  if (opts.only !== 'suite') {
    result.handshakes = await benchHandshakes(opts);
    const { verified, bare, ratio } = result.handshakes;
    process.stdout.write(`Registry handshakes (401 → signed token GET → Bearer retry) over loopback, ${opts.concurrency} at a time, ` +
      `after ${WARMUP_HANDSHAKES} warm-up; at most ${opts.handshakes} or ${opts.seconds} s each:\n`);
    process.stdout.write(`${table([
      ['server', 'handshakes', 'seconds', 'handshakes/s', 'p50 ms', 'p95 ms'],
      ['conformance server (verifies)', verified.handshakes, verified.seconds, verified.perSecond, verified.p50Ms, verified.p95Ms],
      ['bare node:http (same bytes)', bare.handshakes, bare.seconds, bare.perSecond, bare.p50Ms, bare.p95Ms],
    ])}\nratio verified / bare: ${ratio} (handshakes/s)\n\n`);
  }

  if (opts.only !== 'handshakes') {
    result.suite = await benchSuite(opts.repeat);
    const ref = result.suite.reference;
    const py = result.suite.Python;
    result.suite.ratioMedian = round(py.median / ref.median, 3);
    result.suite.ratioMin = round(py.min / ref.min, 3);
    process.stdout.write(`Whole suite: oac check, every scenario, --jobs 2, ${opts.repeat} run(s) per client:\n`);
    process.stdout.write(`${table([
      ['client', 'median s', 'min s', 'runs'],
      ['reference (oac client)', ref.median, ref.min, ref.runs.join(' ')],
      ['Python example', py.median, py.min, py.runs.join(' ')],
    ])}\nratio Python / reference: ${result.suite.ratioMedian} (median), ${result.suite.ratioMin} (min)\n\n`);
  }
  process.stdout.write(`${JSON.stringify({ bench: result })}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
