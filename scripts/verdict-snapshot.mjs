#!/usr/bin/env node
/**
 * The verdict snapshot: what `oac check` decides, per (client, scenario, check), for every client this
 * repository ships — the reference client, the example clients, the Ollama profile (with its baseline of
 * expected failures) and every mutant of examples/mutants/catalog.json. A refactoring that must not change
 * behaviour must leave it identical.
 *
 *   node scripts/verdict-snapshot.mjs            run every client, write specs/verdict-snapshot.json
 *   node scripts/verdict-snapshot.mjs --check    run every client, write nothing; print each difference from
 *                                                the committed snapshot as `client scenario check: before → after`
 *                                                and exit 1 when there is one
 *   --clients a,b       only these clients (names as in the snapshot; `mutant:*` for all mutants)
 *   --jobs N            scenarios in parallel inside one `oac check` (default 2)
 *   --parallel N        clients checked at the same time (default: the machine's CPU count)
 *   --timeout S         passed to `oac check` (default: its own, 20 s)
 *   --out FILE          the snapshot file (default specs/verdict-snapshot.json)
 *
 * It runs the built CLI (`node dist/cli/main.js check --report-dir …`) and reads each results.json; the npm
 * scripts `verdicts` and `verdicts:check` build first. Exit 2 on bad arguments, or when a client's check
 * could not produce a results.json (the harness broke, or a baseline no longer fits the scenarios): the
 * other clients still run and count, the broken one keeps its committed verdicts, and the message names the
 * `--clients` rerun.
 */
import { CLIENTS } from './compat-table-lib.mjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const MUTANTS = join(ROOT, 'examples', 'mutants', 'catalog.json');
const NAME = 'verdicts';

/** The clients the README's compatibility table runs (scripts/compat-table.mjs), then the Ollama profile. */
const SHIPPED_CLIENTS = [
  // Snapshot keys are the lower-case column names (reference, go, python, shell, ollama-js).
  ...CLIENTS.map((c) => ({ name: c.name.toLowerCase(), command: c.command })),
  { name: 'ollama-profile', command: '/usr/bin/python3 examples/ollama-profile/profile.py', baseline: 'examples/ollama-profile/expected-failures.json' },
];

function usage(message) {
  process.stderr.write(`${NAME}: ${message}\nusage: node scripts/verdict-snapshot.mjs [--check] [--clients a,b] [--jobs N] [--parallel N] [--timeout S] [--out FILE]\n`);
  process.exit(2);
}

function wholeNumber(flag, text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) usage(`${flag} must be a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return n;
}

function parseArgs(argv) {
  const opts = { check: false, jobs: 2, parallel: availableParallelism(), timeout: undefined, clients: undefined, out: join(ROOT, 'specs', 'verdict-snapshot.json') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === '--check') opts.check = true;
    else if (arg === '--jobs') opts.jobs = wholeNumber(arg, value());
    else if (arg === '--parallel') opts.parallel = wholeNumber(arg, value());
    else if (arg === '--timeout') opts.timeout = wholeNumber(arg, value());
    else if (arg === '--clients') opts.clients = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '--out') opts.out = resolve(value());
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/verdict-snapshot.mjs [--check] [--clients a,b] [--jobs N] [--parallel N] [--timeout S] [--out FILE]\n');
      process.exit(0);
    } else usage(`unknown argument ${arg}`);
  }
  return opts;
}

/** Every client: the shipped ones, then one per mutant (`mutant:<name>`), each with the command its catalogue gives. */
function allClients() {
  const catalog = JSON.parse(readFileSync(MUTANTS, 'utf8'));
  if (!Array.isArray(catalog.mutants)) throw new Error(`${MUTANTS}: expected a "mutants" array`);
  return [...SHIPPED_CLIENTS, ...catalog.mutants.map((m) => ({ name: `mutant:${m.name}`, command: m.command }))];
}

function selectClients(all, wanted) {
  if (wanted === undefined) return all;
  const chosen = all.filter((c) => wanted.some((w) => w === c.name || (w === 'mutant:*' && c.name.startsWith('mutant:'))));
  const unknown = wanted.filter((w) => w !== 'mutant:*' && !all.some((c) => c.name === w));
  if (unknown.length > 0) usage(`unknown client ${unknown.join(', ')}: choose from ${all.map((c) => c.name).join(', ')}, mutant:*`);
  return chosen;
}

/** `oac check` for one client; resolves with how it ended and its stderr (the run's progress and errors). */
function runCheck(client, reportDir, opts) {
  const args = [CLI, 'check', '--client', client.command, '--report-dir', reportDir, '--jobs', String(opts.jobs)];
  if (client.baseline) args.push('--baseline', client.baseline);
  if (opts.timeout !== undefined) args.push('--timeout', String(opts.timeout));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** A verdict as the snapshot keeps it: the verdict word, marked when the baseline expects the failure. */
function verdictWord(v) {
  return v.expectedFailure ? `${v.verdict} (expected failure)` : v.verdict;
}

/** results.json → { scenario: { check: verdict } }. */
function verdictsOf(results) {
  const out = {};
  for (const s of results.scenarios) {
    const checks = {};
    for (const v of s.verdicts) {
      if (checks[v.check] !== undefined) throw new Error(`results.json: scenario ${s.id} has two verdicts for ${v.check}`);
      checks[v.check] = verdictWord(v);
    }
    out[s.id] = checks;
  }
  return out;
}

/** Run `worker` over `items`, at most `limit` at a time; results keep the items' order. */
async function pool(items, limit, worker) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** One client's verdicts, or why there are none. */
async function snapshotClient(client, work, opts) {
  const dir = join(work, client.name.replace(/[^A-Za-z0-9._-]/g, '_'));
  const started = Date.now();
  const run = await runCheck(client, dir, opts);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const file = join(dir, 'results.json');
  // 0 and 1 are both verdicts (1: the client failed checks, as every mutant must); anything else is not.
  if ((run.code !== 0 && run.code !== 1) || !existsSync(file)) {
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    return { error: `oac check for ${client.name} (${client.command}) ended with ${run.code === null ? `signal ${run.signal}` : `exit ${run.code}`} and ${existsSync(file) ? 'a' : 'no'} results.json: ${last}` };
  }
  process.stderr.write(`${NAME}: ${client.name}: ${seconds} s, exit ${run.code}\n`);
  return { entry: { command: client.command, ...(client.baseline ? { baseline: client.baseline } : {}), scenarios: verdictsOf(JSON.parse(readFileSync(file, 'utf8'))) } };
}

/**
 * Every client's verdicts by name (`verdicts`), and the clients whose check broke (`broken`: one line each).
 * A broken client does not stop the others: a run is long, and their verdicts still count.
 */
async function snapshotClients(clients, opts) {
  const work = mkdtempSync(join(tmpdir(), 'oac-verdicts-'));
  // Ctrl-C reaches the `oac check` children too (same process group), and each removes its own workspace;
  // the report folders are ours to remove.
  const interrupted = (signal) => {
    rmSync(work, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const outcomes = await pool(clients, opts.parallel, (client) => snapshotClient(client, work, opts).catch((err) => ({ error: `${client.name}: ${err.message}` })));
    const verdicts = Object.fromEntries(clients.flatMap((c, i) => (outcomes[i].entry ? [[c.name, outcomes[i].entry]] : [])));
    const broken = clients.flatMap((c, i) => (outcomes[i].error ? [{ name: c.name, error: outcomes[i].error }] : []));
    return { verdicts, broken };
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    rmSync(work, { recursive: true, force: true });
  }
}

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const sortedKeys = (o) => Object.keys(o).sort(byName);

/**
 * The file: keys sorted at every level, one line per scenario (its checks, sorted), so a behaviour
 * change shows in a diff as the scenario lines it touched and nothing else.
 */
function renderSnapshot(clients) {
  const lines = ['{', `  "description": ${JSON.stringify('Verdicts of oac check per client, scenario and check (scripts/verdict-snapshot.mjs). Regenerate with `npm run verdicts`; `npm run verdicts:check` compares a fresh run with this file.')},`, '  "clients": {'];
  const names = sortedKeys(clients);
  names.forEach((name, i) => {
    const c = clients[name];
    lines.push(`    ${JSON.stringify(name)}: {`, `      "command": ${JSON.stringify(c.command)},`);
    if (c.baseline) lines.push(`      "baseline": ${JSON.stringify(c.baseline)},`);
    lines.push('      "scenarios": {');
    const ids = sortedKeys(c.scenarios);
    ids.forEach((id, j) => {
      const checks = c.scenarios[id];
      const body = sortedKeys(checks).map((check) => `${JSON.stringify(check)}: ${JSON.stringify(checks[check])}`).join(', ');
      lines.push(`        ${JSON.stringify(id)}: { ${body} }${j < ids.length - 1 ? ',' : ''}`);
    });
    lines.push('      }', `    }${i < names.length - 1 ? ',' : ''}`);
  });
  lines.push('  }', '}', '');
  return lines.join('\n');
}

/** Every (client, scenario, check) whose verdict differs, as `client scenario check: before → after`. */
function differences(before, after) {
  const out = [];
  for (const name of sortedKeys({ ...before, ...after })) {
    const b = before[name]?.scenarios ?? {};
    const a = after[name]?.scenarios ?? {};
    for (const id of sortedKeys({ ...b, ...a })) {
      for (const check of sortedKeys({ ...b[id], ...a[id] })) {
        const was = b[id]?.[check] ?? '(absent)';
        const now = a[id]?.[check] ?? '(absent)';
        if (was !== now) out.push(`${name} ${id} ${check}: ${was} → ${now}`);
      }
    }
  }
  return out;
}

function readSnapshot(file) {
  if (!existsSync(file)) throw new Error(`${file} does not exist: run npm run verdicts first`);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof doc.clients !== 'object' || doc.clients === null) throw new Error(`${file}: expected an object with "clients"`);
  return doc.clients;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const clients = selectClients(allClients(), opts.clients);
  // Read the committed snapshot before spending minutes on the clients.
  const committed = opts.check ? readSnapshot(opts.out) : undefined;
  const started = Date.now();
  process.stderr.write(`${NAME}: ${clients.length} client(s), ${opts.parallel} at a time, --jobs ${opts.jobs} each\n`);
  const { verdicts: fresh, broken } = await snapshotClients(clients, opts);
  const total = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const ran = (name) => fresh[name] !== undefined;
  const brokenNames = new Set(broken.map((b) => b.name));
  // A broken client has no verdicts to compare or write: say so, and rerun just it once it is fixed.
  const reportBroken = () => {
    for (const b of broken) process.stderr.write(`${NAME}: ${b.error}\n`);
    if (broken.length > 0) {
      process.stderr.write(`${NAME}: ${broken.length} client(s) produced no verdicts; rerun them with --clients ${broken.map((b) => b.name).join(',')}\n`);
      process.exitCode = 2;
    }
  };
  if (committed !== undefined) {
    // Compared: every committed client that ran now and, in a full run, those no longer shipped (they show as
    // removed). A broken client is reported below, not compared.
    const compared = (name) => ran(name) || (opts.clients === undefined && !brokenNames.has(name));
    const before = Object.fromEntries(Object.entries(committed).filter(([name]) => compared(name)));
    const diff = differences(before, fresh);
    for (const line of diff) process.stdout.write(`${line}\n`);
    const count = Object.values(fresh).reduce((n, c) => n + Object.values(c.scenarios).reduce((m, sc) => m + Object.keys(sc).length, 0), 0);
    if (diff.length > 0) {
      process.stderr.write(`${NAME}: ${diff.length} verdict(s) differ from ${opts.out} (${total})\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${NAME}: no verdict differs: ${Object.keys(fresh).length} client(s) compared, ${count} verdicts (${total})\n`);
    }
    reportBroken();
    return;
  }
  // Clients that did not run this time (not chosen by --clients, or broken) keep their committed verdicts.
  const keep = (name) => !ran(name) && (opts.clients !== undefined || brokenNames.has(name));
  const kept = existsSync(opts.out) ? Object.fromEntries(Object.entries(readSnapshot(opts.out)).filter(([name]) => keep(name))) : {};
  const merged = { ...kept, ...fresh };
  writeFileSync(opts.out, renderSnapshot(merged));
  const keptNote = Object.keys(kept).length > 0 ? `; kept the committed verdicts of ${Object.keys(kept).join(', ')}` : '';
  process.stderr.write(`${NAME}: wrote ${opts.out} (${Object.keys(fresh).length} clients run in ${total}${keptNote})\n`);
  reportBroken();
}

main().catch((err) => {
  process.stderr.write(`${NAME}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
