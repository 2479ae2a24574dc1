/**
 * `oac explain <check-id>` as a user runs it (the built CLI): one check with everything the project holds
 * about it, an unknown id answered with the nearest ones and exit 2, and `--list`. The code a check lives in
 * is found in the built package (dist/ and its source maps), so it also works where src/ is not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nearestCheckIds } from '../../src/cli/explain.js';
import { allChecks } from '../../src/specs/catalog.js';
import { runCli } from '../helpers/cli.js';

const SORTED_QUERY = [
  'registry/token-url/sorted-query: Sorted query',
  '  level        MUST',
  '  requirement  The token URL query MUST list keys in ascending byte order, with the values of a repeated key in insertion order (Go url.Values.Encode).',
  "  reference    REF: Ollama's own client meets this rule (ollama/ollama fb30760)",
  '  source       ollama/ollama server/auth.go@fb30760 L28-51',
  '  protocol     REG-06, §1.3 (docs/protocol.md)',
  '  flows        registry',
  '  code         src/rules/client/token-url.ts',
  '  scenarios    registry/challenge-several-scopes  A challenge with two space-separated scopes',
  '               registry/golden                    Registry pull: 401 challenge, signed token request, Bearer retry',
  '               registry/realm-with-query          The realm carries a query of its own (`/v2/token?account=oac&client=pull`)',
  '  vectors      specs/vectors/token-url.json  2 of 13 tests: "golden registry.ollama.ai token URL", "realm\'s own query kept and sorted in"',
  '  mutants      unsorted-token-query  (in registry/golden)',
  '',
].join('\n');

describe('oac explain', () => {
  test('prints the requirement, level, reference, sources, protocol ids, code, scenarios, vectors and mutants of one check', () => {
    expect(runCli(['explain', 'registry/token-url/sorted-query'])).toEqual({ status: 0, stdout: SORTED_QUERY, stderr: '' });
  });

  test('an unknown id is exit 2 with one line naming the nearest ids (the phantom the judge once used)', () => {
    expect(runCli(['explain', 'registry/token-request/known-key'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'oac: unknown check id "registry/token-request/known-key": not in specs/checks.json; nearest: direct/known-key, registry/token-request/method-get, registry/token-request/raw-form (see oac --help)\n',
    });
  });

  test('a group prefix suggests the ids under it; a typo the closest ids', () => {
    const ids = allChecks().map((c) => c.id);
    expect(nearestCheckIds('registry/realm', ids)).toEqual(['registry/realm/same-host', 'registry/realm/no-downgrade']);
    expect(nearestCheckIds('registry/token-url/sorted-qurey', ids)[0]).toBe('registry/token-url/sorted-query');
  });

  test('--list prints every catalogue id with its level and title, in catalogue order', () => {
    const run = runCli(['explain', '--list']);
    expect([run.status, run.stderr]).toEqual([0, '']);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toEqual(allChecks().map((c) => `${c.id}\t${c.level}\t${c.title ?? ''}`));
    expect(lines).toContain('registry/realm/same-host\tMUST\tRealm on the same host');
  });

  test('no id and no --list, or both, is a usage error', () => {
    expect(runCli(['explain'])).toEqual({ status: 2, stdout: '', stderr: 'oac: name a check id (oac explain --list shows them all) (see oac --help)\n' });
    expect(runCli(['explain', 'errors/surfaced', '--list']).stderr).toBe('oac: give a check id or --list, not both (got "errors/surfaced" and --list) (see oac --help)\n');
  });
});

describe('oac explain in an installed package (dist/ and specs/, no src/ and no examples/)', () => {
  let root: string;

  beforeAll(() => {
    // What `npm install` puts on disk ("files": dist, specs, recordings, README.md), dependencies beside it.
    root = mkdtempSync(join(tmpdir(), 'oac-explain-'));
    cpSync(resolve('dist'), join(root, 'dist'), { recursive: true });
    cpSync(resolve('specs'), join(root, 'specs'), { recursive: true });
    symlinkSync(resolve('node_modules'), join(root, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('names the source file through the source maps, and says the mutant catalogue is not installed', () => {
    const run = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'explain', 'registry/token-url/sorted-query'], { encoding: 'utf8', timeout: 30_000 });
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toBe(SORTED_QUERY.replace(
      '  mutants      unsorted-token-query  (in registry/golden)',
      '  mutants      (examples/mutants/catalog.json is not part of this installation)',
    ));
  });
});
