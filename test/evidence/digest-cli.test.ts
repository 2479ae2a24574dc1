/**
 * `oac evidence verify` as its command module runs: one line and exit 0 on a good bundle, one line per problem and exit 1 on a
 * changed byte.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evidenceCommand } from '../../src/cli/evidence.js';
import { OacError } from '../../src/errors.js';
import { sha256Hex, writeEvidence } from '../../src/evidence/index.js';
import { run } from '../report/fixture.js';

describe('oac evidence verify (the command module)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'oac-evidence-cli-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  async function verify(dir: string): Promise<{ stdout: string; stderr: string; error?: OacError }> {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      await evidenceCommand.handler({ action: 'verify', dir, _: [], $0: 'oac' });
      return { stdout, stderr };
    } catch (e) {
      if (!(e instanceof OacError)) throw e;
      return { stdout, stderr, error: e };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  test('a bundle as written: one line on stdout', async () => {
    const dir = join(root, 'ok');
    await writeEvidence(dir, run(), { scenarios: [], git: { kind: 'not-a-repository' }, env: {} });
    expect(await verify(dir)).toEqual({ stdout: `evidence verified: 4 files in ${dir} match SHA256SUMS; results.json matches its schema\n`, stderr: '' });
  });

  test('a changed byte in results.json: the error (exit 1 through main) names the file and both sums', async () => {
    const dir = join(root, 'changed');
    await writeEvidence(dir, run(), { scenarios: [], git: { kind: 'not-a-repository' }, env: {} });
    const path = join(dir, 'results.json');
    const before = readFileSync(path);
    const after = Buffer.from(before);
    after[after.indexOf('"strict": false')] = 0x20; // the opening quote of "strict" becomes a space
    writeFileSync(path, after);
    const result = await verify(dir);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
    expect(result.error?.code).toBe('evidence/not-verified');
    expect(result.error?.message).toBe(`results.json: changed since it was written (SHA-256 ${sha256Hex(after)}, SHA256SUMS says ${sha256Hex(before)}) (${dir} is not verified)`);
  });

  test('several problems: all but the last on stderr, one per line, the first as the error', async () => {
    const dir = join(root, 'several');
    await writeEvidence(dir, run(), { scenarios: [], git: { kind: 'not-a-repository' }, env: {} });
    writeFileSync(join(dir, 'junit.xml'), 'x');
    writeFileSync(join(dir, 'report.html'), 'y');
    const result = await verify(dir);
    expect(result.error?.message).toMatch(/^junit\.xml: changed since it was written \(SHA-256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}\) \(.* is not verified\)$/);
    expect(result.stderr).toMatch(/^oac: report\.html: changed since it was written \(SHA-256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}\)\n$/);
  });
});
