#!/usr/bin/env node
// Prints the one plain line CI reads, `tests: N passed, N failed`, from jest's --json output.
// A missing or unreadable file means jest never finished (build or type-check failed): that is a
// failure, never "0 failed".
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/jest-results.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`tests: 0 passed, 1 failed`);
  console.error(`test-summary: no jest results at ${file} (${err.message}): the run stopped before or inside jest`);
  process.exit(1);
}
const passed = results.numPassedTests;
// Suites that fail to run (syntax error, import failure) have no failed *tests*: count each as one.
let failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
// Whatever the tests left in $TMPDIR (test/global/tmpdir-snapshot.mjs) is one more failure: a missing
// snapshot means the teardown never ran, which is a failure too.
const leftoversFile = process.argv[3] ?? '.tmp/tmpdir-leftovers.json';
try {
  const { tmpdir, leftovers } = JSON.parse(readFileSync(leftoversFile, 'utf8'));
  if (leftovers.length > 0) {
    failed += 1;
    console.error(`test-summary: the tests left ${leftovers.length} entr${leftovers.length === 1 ? 'y' : 'ies'} in ${tmpdir}: ${leftovers.join(', ')}`);
  }
} catch (err) {
  failed += 1;
  console.error(`test-summary: no $TMPDIR comparison at ${leftoversFile} (${err.message}): jest's global teardown did not run`);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || !results.success ? 1 : 0);
