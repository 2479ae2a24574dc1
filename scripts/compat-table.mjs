#!/usr/bin/env node
/**
 * Runs `oac check` (the built CLI) against every client this repository ships, reads each results.json
 * and prints the Markdown compatibility tables (scripts/compat-table-lib.mjs builds them): the exec
 * contract (loopback) columns, then the "intercepted" column set, where the example clients and the
 * providers run as they ship through `oac check --intercept`, one run per action (INTERCEPT_CLIENTS).
 *
 *   node scripts/compat-table.mjs [--write README.md] [--jobs N] [--clients reference,ollama-js] [--no-intercept]
 *
 * --write FILE replaces the text between <!-- compat-table:start --> and <!-- compat-table:end --> in
 * FILE (nothing else in it changes); without the markers it fails and writes nothing. Needs dist/
 * (`npm run build`). Clients run one after another, each with `--jobs N` scenarios in parallel (default
 * 2), so a slow client cannot time out because another one is busy. Exit 0 whatever the verdicts are:
 * the table is the result. Exit 1 when a client's check could not produce a valid results.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCompatTable, CLIENTS, INTERCEPT_CLIENTS, mergeResults, replaceBetweenMarkers } from './compat-table-lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export { CLIENTS, INTERCEPT_CLIENTS };

function fail(message) {
  process.stderr.write(`compat-table: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { jobs: 2, write: undefined, clients: CLIENTS, interceptClients: INTERCEPT_CLIENTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === '--write') opts.write = resolve(value());
    else if (arg === '--jobs') {
      opts.jobs = Number(value());
      if (!Number.isSafeInteger(opts.jobs) || opts.jobs < 1) usage(`--jobs must be a whole number ≥ 1, got ${argv[i]}`);
    } else if (arg === '--clients') {
      const wanted = value().split(',').map((s) => s.trim()).filter(Boolean);
      const named = (c) => wanted.some((w) => w.toLowerCase() === c.name.toLowerCase());
      const known = [...new Set([...CLIENTS, ...INTERCEPT_CLIENTS].map((c) => c.name))];
      const unknown = wanted.filter((w) => !known.some((k) => k.toLowerCase() === w.toLowerCase()));
      if (unknown.length > 0) usage(`unknown client ${unknown.join(', ')}: choose from ${known.join(', ')}`);
      opts.clients = CLIENTS.filter(named);
      opts.interceptClients = opts.interceptClients.filter(named);
    } else if (arg === '--no-intercept') {
      opts.interceptClients = [];
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/compat-table.mjs [--write README.md] [--jobs N] [--clients name,name] [--no-intercept]\n');
      process.exit(0);
    } else usage(`unknown argument ${arg}`);
  }
  return opts;
}

function usage(message) {
  process.stderr.write(`compat-table: ${message}\n`);
  process.exit(2);
}

/**
 * `oac check` for one client (with `intercept`: `--intercept --action <action>`, the command run as given);
 * resolves with its exit code (0 and 1 are both verdicts, anything else is not).
 */
function runCheck(client, reportDir, jobs, intercept) {
  const mode = intercept ? ['--intercept', '--action', intercept.action] : [];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'check', ...mode, '--client', client.command, '--report-dir', reportDir, '--jobs', String(jobs)], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

async function loadValidator() {
  const { assertValid } = await import(join(ROOT, 'dist', 'specs', 'validate.js'));
  return assertValid;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) fail(`${CLI} is missing: run "npm run build" first`);
  // Fail on missing markers before spending minutes on the clients.
  if (opts.write !== undefined) {
    if (!existsSync(opts.write)) fail(`${opts.write} does not exist`);
    replaceBetweenMarkers(readFileSync(opts.write, 'utf8'), '', opts.write);
  }
  const assertValid = await loadValidator();
  const checkOrder = JSON.parse(readFileSync(join(ROOT, 'specs', 'checks.json'), 'utf8')).checks.map((c) => c.id);
  const work = mkdtempSync(join(tmpdir(), 'oac-compat-'));
  let runs = 0;
  /** One `oac check` run, its results.json read and validated. */
  const checkOnce = async (name, client, intercept) => {
    const dir = join(work, `run-${++runs}`);
    const started = Date.now();
    process.stderr.write(`compat-table: ${name}: oac check${intercept ? ` --intercept --action ${intercept.action}` : ''} --client '${client.command}' --jobs ${opts.jobs} … `);
    const run = await runCheck(client, dir, opts.jobs, intercept);
    process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s, exit ${run.code ?? run.signal}\n`);
    const file = join(dir, 'results.json');
    if ((run.code !== 0 && run.code !== 1) || !existsSync(file)) {
      const last = run.stderr.trim().split('\n').at(-1) ?? '';
      fail(`oac check for ${name} ended with ${run.code === null ? `signal ${run.signal}` : `exit ${run.code}`} and ${existsSync(file) ? 'a' : 'no'} results.json: ${last}`);
    }
    const results = JSON.parse(readFileSync(file, 'utf8'));
    assertValid('results', results, `${name} results.json`);
    return results;
  };
  const columns = [];
  const intercepted = [];
  try {
    for (const client of opts.clients) columns.push({ name: client.name, results: await checkOnce(client.name, client) });
    for (const client of opts.interceptClients) {
      const parts = [];
      for (const run of client.runs) parts.push(await checkOnce(`${client.name} (intercepted)`, run, run));
      intercepted.push({ name: client.name, results: mergeResults(parts) });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const sections = [];
  const version = (columns[0] ?? intercepted[0])?.results.tool;
  if (version === undefined) fail('no client selected: --clients named none of the clients, and --no-intercept left no intercepted one');
  const generated = `Generated by \`npm run compat-table\` (ollama-auth-conformance ${version.version}, checks ${version.checksVersion ?? '?'}).`;
  if (columns.length > 0) {
    const commands = opts.clients.map((c) => `${c.name}: \`${c.command}\``).join(' · ');
    sections.push(`${buildCompatTable(columns, { checkOrder })}\nClients: ${commands}. ${generated}\n`);
  }
  if (intercepted.length > 0) {
    const commands = opts.interceptClients.map((c) => `${c.name}: ${c.runs.map((r) => `\`${r.command}\``).join(', ')}`).join(' · ');
    sections.push(`**Intercepted** (\`oac check --intercept --action <action> --client '<command>'\`: each client as it ships, against https://registry.ollama.ai and https://ollama.com through the harness's proxy; one run per action; TLS-listener scenarios skipped):\n\n` +
      `${buildCompatTable(intercepted, { checkOrder })}\nClients: ${commands}. ${generated}\n`);
  }
  const text = sections.join('\n');
  if (opts.write !== undefined) {
    writeFileSync(opts.write, replaceBetweenMarkers(readFileSync(opts.write, 'utf8'), text, opts.write));
    process.stderr.write(`compat-table: table written between the markers in ${opts.write}\n`);
  }
  process.stdout.write(text);
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
