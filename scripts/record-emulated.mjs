#!/usr/bin/env node
/**
 * `npm run record:emulated`: regenerate the shipped cassettes in recordings/ from the emulator,
 * deterministically (published test key, fixed clock, counter nonces, stable host names, a fresh emulator
 * per cassette), then lint them (structure, provenance schema, secret scan, redaction manifest).
 * Run twice, it writes byte-identical files: a diff of recordings/ shows only real changes.
 *
 *   node scripts/record-emulated.mjs            write recordings/, print what changed
 *   node scripts/record-emulated.mjs --check    write nothing; exit 1 if recordings/ is not what the code records now
 *
 * It runs the built library (dist/): `npm ci` builds it (prepare), and the npm script rebuilds it first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const library = join(root, 'dist', 'recorder', 'index.js');
const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((a) => a !== '--check');

function fail(message, code = 1) {
  process.stderr.write(`record:emulated: ${message}\n`);
  process.exitCode = code;
}

async function main() {
  if (unknown.length > 0) return fail(`unknown argument ${unknown[0]} (only --check)`, 2);
  if (!existsSync(library)) return fail(`${library} is missing: run "npm run build" first`);
  const { recordEmulatedSet, lintRecordings, formatCassetteProblem } = await import(pathToFileURL(library).href);
  const outDir = join(root, 'recordings');
  const stale = [];
  await recordEmulatedSet(outDir, {
    write: !check,
    onResult: (result) => {
      const rel = result.path.slice(root.length).replace(/^[\\/]/, '');
      const roles = result.cassette.log.entries.map((e) => e._oac.role).join(', ');
      if (check) {
        const current = existsSync(result.path) ? readFileSync(result.path, 'utf8') : undefined;
        if (current !== result.text) stale.push(rel);
        process.stdout.write(`${current === result.text ? 'up to date' : 'STALE'} ${rel}\n`);
        return;
      }
      process.stdout.write(`${result.diff.status === 'unchanged' ? 'unchanged' : 'wrote'} ${rel} (${roles})\n`);
      for (const line of result.diff.lines) if (line !== 'unchanged') process.stdout.write(`  ${line}\n`);
    },
  });
  const problems = lintRecordings(outDir, 'recordings');
  for (const p of problems) process.stderr.write(`${formatCassetteProblem(p)}\n`);
  if (problems.length > 0) return fail(`${problems.length} problem(s) in recordings/`);
  if (stale.length > 0) return fail(`recordings/ is out of date (${stale.join(', ')}): run npm run record:emulated`);
  return undefined;
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
