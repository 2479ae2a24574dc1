// Jest globalSetup/globalTeardown: "npm test leaves nothing behind in $TMPDIR" as a measured fact.
// Setup lists $TMPDIR; teardown lists it again and writes what is new to .tmp/tmpdir-leftovers.json,
// which scripts/test-summary.mjs counts as a failure (naming each leftover). Jest's own cache folder
// (jest_*) is the one documented exception: jest creates it before setup runs and keeps it on purpose.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const BEFORE = '.tmp/tmpdir-before.json';
export const LEFTOVERS = '.tmp/tmpdir-leftovers.json';

function entries() {
  return readdirSync(tmpdir()).filter((name) => !name.startsWith('jest_'));
}

export function snapshot() {
  mkdirSync('.tmp', { recursive: true });
  writeFileSync(BEFORE, JSON.stringify({ tmpdir: tmpdir(), entries: entries() }));
}

export function compare() {
  const before = new Set(JSON.parse(readFileSync(BEFORE, 'utf8')).entries);
  const leftovers = entries().filter((name) => !before.has(name));
  writeFileSync(LEFTOVERS, JSON.stringify({ tmpdir: tmpdir(), leftovers }, null, 2));
  if (leftovers.length > 0) process.stderr.write(`\nnpm test left ${leftovers.length} entr${leftovers.length === 1 ? 'y' : 'ies'} in ${tmpdir()}: ${leftovers.join(', ')}\n`);
}
