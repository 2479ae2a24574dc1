#!/usr/bin/env node
/**
 * What the harness costs, measured in one run (`npm run bench`, after `npm run build`), each figure
 * beside the limit it is judged against (issue 12):
 *
 *  1. verifies/s in this process: the harness's verifyEd25519 (node:crypto, cached key object), raw
 *     node:crypto, and @noble/ed25519 (the pure-JS signer, the verifier before issue 12).
 *  2. registry handshakes/s: `oac emulate` (its own process) loaded by scripts/bench-load.mjs (another
 *     process) doing complete handshakes (401 → signed token GET → Bearer retry) over C keep-alive
 *     connections; then the same load against scripts/bench-bare.mjs, a bare node:http process that
 *     answers the same bytes without verifying anything. The limit of a verifying server is
 *     L = 1 / (1/bare + 1/verify) (one verification per handshake); the target is emulator ≥ 0.70 × L.
 *  3. the whole suite against a client that declines every action (exit 3, "unsupported"), --jobs 2,
 *     beside its floor: scripts/bench-spawn-floor.mjs, a Node process that only starts that client as
 *     many times, the same way, two at a time (process creation is most of a declining run).
 *  4. `oac client` start-up beside `node -e 0`, medians of N interleaved runs: `oac client <action> <target>`
 *     as `oac check` starts it (the fast path: no yargs, the reference client loaded), with an action it
 *     declines, so the figure is start-up alone, not a request.
 *  5. the whole suite against the reference client (`oac client`), --jobs 2: its wall time against
 *     scenarios × start-up ÷ jobs, and the peak RSS of that `oac check` (GNU time's maximum resident set:
 *     the largest single process of the tree, not a sum).
 *
 * Everything listens on 127.0.0.1 and stops by itself: each load ends after --handshakes K or
 * --seconds S, whichever comes first. Prints a table on stdout and, last, one JSON line
 * (`{"bench":…}`) that scripts/bench-table.mjs turns into the README's Speed table.
 *
 *   node scripts/bench.mjs [--handshakes K] [--seconds S] [--concurrency C] [--startup-runs N]
 *                          [--scenario PATTERN] [--only verify|handshakes|suite]
 */
import { spawn } from 'node:child_process';
import { createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, usageExit } from './bench-args.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const CLI = join(DIST, 'cli', 'main.js');
const SCRIPTS = join(ROOT, 'scripts');
const RESOURCE_PATH = '/v2/library/llama3/manifests/latest';
const JOBS = 2;

const TARGETS = {
  handshakeRatioToLimit: { min: 0.7, says: 'verified registry handshakes/s ≥ 0.70 × L' },
  decliningSuiteSeconds: { max: 0.5, says: 'whole suite, client declining every action, --jobs 2 ≤ 0.5 s' },
  clientStartupRatio: { max: 2.5, says: '`oac client` start-up ≤ 2.5 × `node -e 0`' },
  referenceSuiteRatio: { max: 1.5, says: 'reference suite ≤ 1.5 × (scenarios × start-up ÷ jobs)' },
  peakRssMB: { max: 100, says: 'peak RSS of a whole `oac check` ≤ 100 MB' },
};

const usage = (message) => usageExit('bench', message);
const USAGE = 'usage: node scripts/bench.mjs [--handshakes K] [--seconds S] [--concurrency C] [--startup-runs N] [--scenario PATTERN] [--only verify|handshakes|suite]\n';

function parseArgs(argv) {
  const o = benchArgs('bench', argv, {
    handshakes: { type: 'integer', default: 2000 },
    seconds: { type: 'number', default: 10 },
    concurrency: { type: 'integer', default: 16 },
    'startup-runs': { type: 'integer', default: 7 },
    scenario: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (o.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (o.only !== undefined && !['verify', 'handshakes', 'suite'].includes(o.only)) usage(`--only takes verify, handshakes or suite, got ${o.only}`);
  return { handshakes: o.handshakes, seconds: o.seconds, concurrency: o.concurrency, startupRuns: o['startup-runs'], scenario: o.scenario, only: o.only };
}

const round = (n, digits = 2) => Number(n.toFixed(digits));
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const dist = (path) => import(pathToFileURL(join(DIST, path)).href);

// ---------------------------------------------------------------------------------------------------
// processes

/**
 * Runs a command to its end; resolves with exit code, output and wall seconds. Never rejects on a
 * non-zero exit (callers decide), only when the process cannot start.
 */
function run(command, args, { env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: ROOT, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => reject(new Error(`cannot start ${command}: ${e.message}`)));
    child.on('close', (code, signal) => resolve({
      code, signal, seconds: Number(process.hrtime.bigint() - started) / 1e9,
      stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
    }));
  });
}

const lastLine = (text) => text.trim().split('\n').at(-1) ?? '';

/**
 * Servers still running and the scratch folder: removed however this process ends (an error, a closed
 * stdout pipe, Ctrl-C), so that no emulator keeps listening and nothing is left in $TMPDIR.
 */
const cleanup = { servers: new Set(), scratch: undefined };
process.on('exit', () => {
  for (const child of cleanup.servers) child.kill('SIGKILL');
  if (cleanup.scratch !== undefined) rmSync(cleanup.scratch, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

/**
 * Starts a server process that prints `listening on <origin>`; resolves once it has. Its stderr (one
 * line per request for the emulator) goes to a file, not a pipe, so that reading it costs this
 * process nothing; the file's tail explains a server that died.
 */
function startServer(args, what, logFile) {
  const log = openSync(logFile, 'w');
  const tail = () => readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    cleanup.servers.add(child);
    child.once('close', () => cleanup.servers.delete(child));
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not print "listening on <url>" within 20 s (stdout so far: ${JSON.stringify(seen)}; stderr: ${tail()})`));
    }, 20_000);
    const onEarlyClose = (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} ended (exit ${code}) before it listened: ${tail()}`));
    };
    child.on('close', onEarlyClose);
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m === null) return;
      clearTimeout(timer);
      child.off('close', onEarlyClose);
      resolve({
        origin: m[1],
        tail,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('close', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${what}: ${e.message}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// 1. verifies per second

/** Calls fn until `seconds` have passed (checking the clock every 50 calls); calls per second. */
function rate(fn, seconds) {
  for (let i = 0; i < 50; i++) fn(); // warm-up: JIT, key import
  let calls = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
  }
  return calls / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function benchVerify(seconds) {
  const [{ keyFromSeed }, ed25519, noble] = await Promise.all([dist('keys/index.js'), dist('protocol/ed25519.js'), import('@noble/ed25519')]);
  const key = keyFromSeed(randomBytes(32));
  // A registry signed string of the usual length: what the token endpoint verifies.
  const message = Buffer.from(`GET,http://127.0.0.1:1/v2/token?nonce=${randomBytes(16).toString('base64url')}&scope=repository%3Alibrary%2Fllama3%3Apull&service=127.0.0.1%3A1&ts=1700000000,47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU`);
  const signature = key.sign(message);
  const pub = key.publicKey;
  if (!ed25519.verifyEd25519(pub, message, signature)) throw new Error('verifyEd25519 refused an honest signature: the bench would measure refusals');
  const keyObject = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
  const each = Math.min(1, seconds / 2);
  return {
    harnessPerSecond: round(rate(() => ed25519.verifyEd25519(pub, message, signature), each), 0),
    nodeCryptoPerSecond: round(rate(() => cryptoVerify(null, message, keyObject, signature), each), 0),
    noblePerSecond: round(rate(() => noble.verify(signature, message, pub), each / 2), 0),
  };
}

// ---------------------------------------------------------------------------------------------------
// 2. handshakes

async function load(origin, opts, sample) {
  const args = [join(SCRIPTS, 'bench-load.mjs'), '--url', `${origin}${RESOURCE_PATH}`, '--concurrency', String(opts.concurrency),
    '--handshakes', String(opts.handshakes), '--seconds', String(opts.seconds), '--warmup', String(Math.min(50, opts.handshakes))];
  if (sample !== undefined) args.push('--sample', sample);
  const r = await run(process.execPath, args);
  if (r.code !== 0) throw new Error(`bench-load against ${origin} ended with exit ${r.code}: ${lastLine(r.stderr)}`);
  return JSON.parse(lastLine(r.stdout));
}

async function benchHandshakes(opts, verifyPerSecond, scratch) {
  const sample = join(scratch, 'handshake-sample.json');
  const emulator = await startServer([CLI, 'emulate', '--port', '0', '--host', '127.0.0.1'], '`oac emulate`', join(scratch, 'emulator.log'));
  let verified;
  try {
    process.stderr.write(`bench: emulator ${emulator.origin} …\n`);
    verified = await load(emulator.origin, opts, sample);
  } finally {
    await emulator.stop();
  }
  const bareServer = await startServer([join(SCRIPTS, 'bench-bare.mjs'), '--sample', sample], 'the bare node:http server', join(scratch, 'bare.log'));
  let bare;
  try {
    process.stderr.write(`bench: bare node:http ${bareServer.origin} …\n`);
    bare = await load(bareServer.origin, opts, undefined);
  } finally {
    await bareServer.stop();
  }
  const limit = 1 / (1 / bare.perSecond + 1 / verifyPerSecond);
  return { emulator: verified, bare, limitPerSecond: round(limit, 1), ratioToLimit: round(verified.perSecond / limit, 3) };
}

// ---------------------------------------------------------------------------------------------------
// 3–5. suites and start-up

async function suite(client, opts, { measureRss }) {
  const args = [CLI, 'check', '--client', client, '--jobs', String(JOBS)];
  if (opts.scenario !== undefined) args.push('--scenario', opts.scenario);
  const rssFile = measureRss ? join(opts.scratch, 'rss.txt') : undefined;
  const r = rssFile !== undefined && existsSync('/usr/bin/time')
    ? await run('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, ...args])
    : await run(process.execPath, args);
  // 0 and 1 are verdicts (the time counts either way); anything else means the suite did not run.
  if (r.code !== 0 && r.code !== 1) throw new Error(`oac check --client '${client}' ended with ${r.code === null ? `signal ${r.signal}` : `exit ${r.code}`}: ${lastLine(r.stderr)}`);
  const m = /(\d+) scenarios?, (\d+) checks?/.exec(r.stdout);
  if (m === null) throw new Error(`oac check --client '${client}' (exit ${r.code}) printed no "N scenarios, M checks" line: ${lastLine(r.stderr) || lastLine(r.stdout)}`);
  const result = { seconds: round(r.seconds, 3), scenarios: Number(m[1]), checks: Number(m[2]), exitCode: r.code };
  if (rssFile !== undefined) {
    result.peakRssMB = existsSync(rssFile)
      ? round(Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024, 1)
      : undefined;
  }
  return result;
}

/** An action the reference client declines (exit 3): start-up, module loading and exit, no network. */
const STARTUP_ACTION = 'bench-startup';

async function benchStartup(runs) {
  const node = [];
  const client = [];
  for (let i = 0; i < runs; i++) {
    node.push((await run(process.execPath, ['-e', '0'])).seconds);
    const r = await run(process.execPath, [CLI, 'client', STARTUP_ACTION, 'http://127.0.0.1:9']);
    if (r.code !== 3) throw new Error(`oac client ${STARTUP_ACTION} ended with exit ${r.code}, expected 3 (unsupported): ${lastLine(r.stderr)}`);
    client.push(r.seconds);
  }
  const nodeMs = median(node) * 1000;
  const clientMs = median(client) * 1000;
  return { runs, nodeMs: round(nodeMs, 1), clientMs: round(clientMs, 1), ratio: round(clientMs / nodeMs, 3) };
}

async function benchSuites(opts, scratch) {
  const decline = join(scratch, 'decline.sh');
  writeFileSync(decline, '#!/bin/sh\n# declines every action (exec contract v1: exit 3 and "unsupported" on stderr)\necho unsupported >&2\nexit 3\n', { mode: 0o755 });
  process.stderr.write('bench: suite, declining client …\n');
  const declining = await suite(decline, { ...opts, scratch }, { measureRss: false });
  const floor = await run(process.execPath, [join(SCRIPTS, 'bench-spawn-floor.mjs'), '--client', decline, '--count', String(declining.scenarios), '--jobs', String(JOBS)]);
  if (floor.code !== 0) throw new Error(`bench-spawn-floor ended with exit ${floor.code}: ${lastLine(floor.stderr)}`);
  declining.floorSeconds = round(floor.seconds, 3);
  declining.ratioToFloor = round(declining.seconds / floor.seconds, 3);
  process.stderr.write('bench: start-up …\n');
  const startup = await benchStartup(opts.startupRuns);
  process.stderr.write('bench: suite, reference client …\n');
  const reference = await suite(`${process.execPath} ${CLI} client`, { ...opts, scratch }, { measureRss: true });
  const ideal = (reference.scenarios * startup.clientMs) / 1000 / JOBS;
  reference.idealSeconds = round(ideal, 3);
  reference.ratio = round(reference.seconds / ideal, 3);
  return { declining, startup, reference };
}

// ---------------------------------------------------------------------------------------------------

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, n) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
    return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function targetsMet(result) {
  const figure = {
    handshakeRatioToLimit: result.handshakes?.ratioToLimit,
    decliningSuiteSeconds: result.suites?.declining.seconds,
    clientStartupRatio: result.suites?.startup.ratio,
    referenceSuiteRatio: result.suites?.reference.ratio,
    peakRssMB: result.suites?.reference.peakRssMB,
  };
  return Object.fromEntries(Object.entries(TARGETS).filter(([id]) => figure[id] !== undefined).map(([id, t]) => [id, {
    value: figure[id], ...(t.min !== undefined ? { min: t.min } : { max: t.max }), met: t.min !== undefined ? figure[id] >= t.min : figure[id] <= t.max, says: t.says,
  }]));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) usage(`${CLI} is missing: run "npm run build" first`);
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    loadAverage: os.loadavg().map((n) => round(n, 2)),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
  process.stdout.write(`Node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · load ${machine.loadAverage.join(' ')} · ${machine.platform}\n\n`);
  const result = { machine, options: { handshakes: opts.handshakes, seconds: opts.seconds, concurrency: opts.concurrency, startupRuns: opts.startupRuns, jobs: JOBS, scenario: opts.scenario ?? '*' } };
  const scratch = mkdtempSync(join(os.tmpdir(), 'oac-bench-'));
  cleanup.scratch = scratch;
  try {
    result.verify = await benchVerify(opts.seconds);
    process.stdout.write(`Ed25519 verifies/s (one process, same message): ${table([
      ['verifier', 'verifies/s'],
      ['harness verifyEd25519 (node:crypto, cached key)', result.verify.harnessPerSecond],
      ['node:crypto crypto.verify', result.verify.nodeCryptoPerSecond],
      ['@noble/ed25519 verify (before issue 12)', result.verify.noblePerSecond],
    ]).replace(/^/, '\n')}\n\n`);

    if (opts.only === undefined || opts.only === 'handshakes') {
      result.handshakes = await benchHandshakes(opts, result.verify.harnessPerSecond, scratch);
      const { emulator, bare, limitPerSecond, ratioToLimit } = result.handshakes;
      process.stdout.write(`Registry handshakes (401 → signed token GET → Bearer retry), load from another process over ${opts.concurrency} keep-alive connections, at most ${opts.handshakes} or ${opts.seconds} s:\n`);
      process.stdout.write(`${table([
        ['server (own process)', 'handshakes', 'seconds', 'handshakes/s', 'p50 ms', 'p95 ms'],
        ['oac emulate (verifies)', emulator.handshakes, emulator.seconds, emulator.perSecond, emulator.p50Ms, emulator.p95Ms],
        ['bare node:http (same bytes)', bare.handshakes, bare.seconds, bare.perSecond, bare.p50Ms, bare.p95Ms],
      ])}\nL = 1/(1/bare + 1/verify) = ${limitPerSecond}/s; emulator / L = ${ratioToLimit}\n\n`);
    }

    if (opts.only === undefined || opts.only === 'suite') {
      result.suites = await benchSuites(opts, scratch);
      const { declining, startup, reference } = result.suites;
      process.stdout.write(`Suites (oac check --jobs ${JOBS}, scenarios ${opts.scenario ?? 'all'}) and start-up (median of ${startup.runs}):\n${table([
        ['measure', 'value'],
        [`declining client: ${declining.scenarios} scenarios`, `${declining.seconds} s`],
        [`  floor: node starting that client ${declining.scenarios} times, ${JOBS} at a time`, `${declining.floorSeconds} s (suite ÷ floor ${declining.ratioToFloor} ×)`],
        ['node -e 0', `${startup.nodeMs} ms`],
        ['oac client <action> <target>', `${startup.clientMs} ms (${startup.ratio} ×)`],
        [`reference client: ${reference.scenarios} scenarios`, `${reference.seconds} s (ideal ${reference.idealSeconds} s, ${reference.ratio} ×)`],
        ['peak RSS of that oac check', reference.peakRssMB === undefined ? 'n/a (no /usr/bin/time)' : `${reference.peakRssMB} MB`],
      ])}\n\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  result.targets = targetsMet(result);
  for (const [id, t] of Object.entries(result.targets)) process.stdout.write(`${t.met ? 'met    ' : 'NOT met'}  ${t.says}: ${t.value}  (${id})\n`);
  process.stdout.write(`${JSON.stringify({ bench: result })}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
