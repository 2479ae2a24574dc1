/**
 * Redaction at rest (moved here from test/recorder/repository-scan.test.ts): the secret scanner over every file a commit could contain (`git ls-files --cached --others
 * --exclude-standard`: node_modules/, dist/, .git/ and ignored files are out by construction), and the
 * strict cassette lint over the shipped recordings/.
 *
 * Test fixtures that need secret-shaped values build them at test time (see scanner.test.ts), so no file
 * list is excluded. PENDING names the findings in files this suite does not own that still hold a
 * literal fixture; each entry must still be found (a fixed file fails the second test, so the list only
 * shrinks).
 */
import { describe, expect, test } from '@jest/globals';
import { describeFinding, lintRecordings, formatCassetteProblem, repositoryFiles, scanRepository } from '../../src/recorder/index.js';

const ROOT = process.cwd();

/** Files known to hold a secret shape, with the fix owed; empty is the goal (a stale entry fails below). */
const PENDING: ReadonlyArray<{ file: string; kind: string; why: string }> = [];

const findings = scanRepository(ROOT);

describe('no secret in the repository', () => {
  test('every committable file is free of secret shapes (published test material aside)', () => {
    const unexpected = findings.filter((f) => !PENDING.some((p) => p.file === f.file && p.kind === f.kind));
    expect(unexpected.map(describeFinding)).toEqual([]);
  });

  test('every pending exception is still needed (remove it once its file is fixed)', () => {
    const stale = PENDING.filter((p) => !findings.some((f) => f.file === p.file && f.kind === p.kind));
    expect(stale).toEqual([]);
  });

  test('the scan covers source, tests, scripts, specs and recordings, and not node_modules or dist', () => {
    const files = repositoryFiles(ROOT);
    for (const file of ['src/recorder/scan.ts', 'test/recorder/scanner.test.ts', 'scripts/record-live.sh', 'specs/checks.json', 'recordings/registry/pull-manifest.har']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(node_modules|dist|\.git)\//.test(f))).toEqual([]);
  });

  test('the shipped recordings/ pass the strict cassette lint (structure, provenance schema, scan, manifest)', () => {
    expect(lintRecordings('recordings').map(formatCassetteProblem)).toEqual([]);
  });
});
