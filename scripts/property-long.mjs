#!/usr/bin/env node
/**
 * The long property run: the same jest files as `npm test` (test/property/), with 100000 inputs per
 * property instead of 200, then a table of the figures (time per parser, inputs, failures).
 *
 *   node scripts/property-long.mjs            # 100000 inputs per property
 *   node scripts/property-long.mjs 20000      # another count
 *   node scripts/property-long.mjs 100000 protocol keys   # only test/property/{protocol,keys}.test.ts
 *   OAC_PROPERTY_SEED=123 node scripts/property-long.mjs   # replay the seed fast-check printed
 *
 * One jest worker (--runInBand): the figures are times of one core, and the machine stays usable.
 * Exit code: jest's (non-zero when any property failed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = process.argv[2] ?? '100000';
if (!/^[1-9]\d*$/.test(runs)) {
  process.stderr.write(`property-long: expected a whole number of inputs per property, got ${JSON.stringify(runs)}\n`);
  process.exit(2);
}
const files = process.argv.slice(3).map((name) => `test/property/${name}.test.ts`);
const dir = mkdtempSync(join(tmpdir(), 'oac-property-long-'));
const report = join(dir, 'figures.jsonl');
let status = 1;
try {
  const started = Date.now();
  const jest = spawnSync(process.execPath, ['node_modules/jest/bin/jest.js', '--runInBand', ...(files.length > 0 ? files : ['test/property'])], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
      OAC_PROPERTY_RUNS: runs,
      OAC_PROPERTY_REPORT: report,
    },
  });
  status = jest.status ?? 1;
  let figures = [];
  try {
    figures = readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const byParser = new Map();
  for (const f of figures) {
    const row = byParser.get(f.parser) ?? { parser: f.parser, properties: 0, inputs: 0, ms: 0, failures: [] };
    row.properties += 1;
    row.inputs += f.runs;
    row.ms += f.ms;
    if (f.failed) row.failures.push(`${f.property}: ${f.failed}`);
    byParser.set(f.parser, row);
  }
  const lines = ['| parser | properties | inputs | seconds | µs per input | failures |', '| --- | ---: | ---: | ---: | ---: | --- |'];
  for (const r of byParser.values()) {
    lines.push(`| ${r.parser} | ${r.properties} | ${r.inputs} | ${(r.ms / 1000).toFixed(1)} | ${((r.ms * 1000) / r.inputs).toFixed(0)} | ${r.failures.length === 0 ? 'none' : r.failures.join('; ')} |`);
  }
  lines.push('', `${runs} inputs per property; total ${((Date.now() - started) / 1000).toFixed(0)} s wall clock; jest exit ${status}.`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  for (const f of figures) process.stdout.write(`  ${f.parser}: ${f.property}: ${f.runs} inputs, ${(f.ms / 1000).toFixed(1)} s${f.failed ? `, FAILED: ${f.failed}` : ''}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
