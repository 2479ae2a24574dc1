#!/usr/bin/env node
/**
 * The floor under any `oac check` run: a Node process that does nothing but start the client once per
 * scenario, exactly as src/conformance/subject.ts does (`/bin/sh -c '<client> <action> <target>'`, its own
 * process group, stdin closed, stdout and stderr piped and read to the end), `--jobs` at a time, and exits.
 * No server, no HOME, no judging. `npm run bench` times this process from outside, like the suite, so
 * the difference between the two is what the harness itself costs.
 *
 *   node scripts/bench-spawn-floor.mjs --client PATH --count N [--jobs J]
 */
import { spawn } from 'node:child_process';

function usage(message) {
  process.stderr.write(`bench-spawn-floor: ${message}\n`);
  process.exit(2);
}

const opts = { client: undefined, count: undefined, jobs: 2 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const value = argv[i + 1];
  if (value === undefined) usage(`${argv[i]} needs a value`);
  if (argv[i] === '--client') opts.client = value;
  else if (argv[i] === '--count' || argv[i] === '--jobs') {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) usage(`${argv[i]} must be a positive whole number, got ${value}`);
    opts[argv[i].slice(2)] = n;
  } else usage(`unknown argument ${argv[i]}`);
  i++;
}
if (opts.client === undefined || opts.count === undefined) usage('--client and --count are required');

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const line = `${opts.client} ${quote('registry-manifest')} ${quote('http://127.0.0.1:9/v2/library/llama3/manifests/latest')}`;

function once() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', () => undefined);
    child.on('error', reject);
    child.on('close', resolve);
  });
}

let started = 0;
async function lane() {
  while (started < opts.count) {
    started++;
    await once();
  }
}
await Promise.all(Array.from({ length: Math.min(opts.jobs, opts.count) }, lane));
