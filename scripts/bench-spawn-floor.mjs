#!/usr/bin/env node
/**
 * The floor under any `oac check` run: a Node process that does nothing but start the client once per
 * scenario, exactly as `oac check` does (src/child-process.ts: `/bin/sh -c '<client> <action> <target>'`, its own
 * process group, stdin closed, stdout and stderr piped and read to the end), `--jobs` at a time, and exits.
 * No server, no HOME, no judging. `npm run bench` times this process from outside, like the suite, so
 * the difference between the two is what the harness itself costs.
 *
 *   node scripts/bench-spawn-floor.mjs --client PATH --count N [--jobs J]
 */
import { spawn } from 'node:child_process';
import { benchArgs } from './bench-args.mjs';

const opts = benchArgs('bench-spawn-floor', process.argv.slice(2), {
  client: { type: 'string', required: 'the client command to start' },
  count: { type: 'integer', required: 'how many times to start it (the suite\'s scenario count)' },
  jobs: { type: 'integer', default: 2 },
});

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
