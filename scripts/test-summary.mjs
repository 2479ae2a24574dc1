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
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || !results.success ? 1 : 0);
