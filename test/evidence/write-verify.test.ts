/**
 * The evidence bundle as a reviewer meets it: evidence.md renders as GitHub-flavoured Markdown (tables, code
 * spans, no raw HTML, no secret), SHA256SUMS is accepted by the real `sha256sum -c`, and `verifyEvidence`
 * names the file when one byte changes, a file goes missing, or results.json no longer fits its schema.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarios } from '../../src/conformance/scenarios.js';
import { EVIDENCE_FILES, sha256Hex, verifyEvidence, writeEvidence, type GitState } from '../../src/evidence/index.js';
import { run, SECRETS } from '../report/fixture.js';

const NOT_A_REPO: GitState = { kind: 'not-a-repository' };
const scenarios = loadScenarios().slice(0, 3);
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'oac-evidence-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function freshDir(name: string): string {
  return join(root, name);
}

/** `|` that separate cells (not the escaped `\|` inside one). */
function cellSeparators(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

describe('writeEvidence', () => {
  test('writes the four files and a SHA256SUMS that the real sha256sum -c accepts', async () => {
    const dir = freshDir('basic');
    const written = await writeEvidence(dir, run(), { scenarios, git: NOT_A_REPO, env: {} });
    expect(written.files.map((f) => f.slice(dir.length + 1))).toEqual([...EVIDENCE_FILES, 'SHA256SUMS']);
    expect(written.stepSummary).toBeUndefined();
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    expect(sums.split('\n').filter(Boolean).map((l) => l.slice(66))).toEqual(['evidence.md', 'junit.xml', 'report.html', 'results.json']);
    expect(sums).toMatch(/^([0-9a-f]{64} {2}[a-z.]+\n){4}$/);
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    expect([check.status, check.stdout]).toEqual([0, 'evidence.md: OK\njunit.xml: OK\nreport.html: OK\nresults.json: OK\n']);
    expect(readFileSync(join(dir, 'evidence.md'), 'utf8')).toBe(written.markdown);
  });

  test('evidence.md: verdict, counts, failing checks with requirement and source, client, harness, digest, reproduce', async () => {
    const { markdown } = await writeEvidence(freshDir('content'), run(), { scenarios, git: NOT_A_REPO, env: {}, reproduce: "oac check --client './client'" });
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## ❌ Ollama auth conformance: FAIL');
    expect(lines[2]).toBe('**Verdict: fail.** 4 failing checks in 3 of 7 scenarios (SHOULD-level deviations are reported, not failing).');
    expect(lines.slice(4, 7)).toEqual([
      '| Pass | Fail | Non-strict | Skip | Error | Expected failures | Checks | Scenarios |',
      '|---|---|---|---|---|---|---|---|',
      '| 5 | 3 | 1 | 1 | 2 | 1 | 12 | 7 |',
    ]);
    expect(markdown).toContain('\n### Failing checks\n');
    // The requirement sentence and source come from specs/checks.json; the message is escaped text.
    expect(markdown).toContain('| `F-02` | `registry/realm/same-host` | MUST | fail | A client MUST NOT contact a realm whose host \\(the host\\:port string\\) differs from the resource request host, and MUST report the mismatch as an error\\. | ollama/ollama server/auth\\.go@fb30760 L59-62; CVE-2025-51471 / GO-2025-3824 | sent its signature to another host &lt;b\\>&amp;amp; "double" \'single\'&lt;/b\\> \\]\\]\\>  \\[31mred \\[0m  nul bel vt tab here \uFFFE \uFFFD ok |');
    expect(markdown).toContain('| `keys/missing` | `harness/error` | MUST | error | The harness completes the scenario \\(this row is the harness at fault, not the client\\)\\. | oac |');
    // An expected failure (baseline) and a SHOULD deviation outside strict mode do not fail the run: not listed.
    expect(markdown).not.toContain('`tls/custom-ca` | `tls/custom-ca`');
    expect(markdown).not.toContain('`direct/fresh-ts`');
    expect(markdown).toContain('| Client commit | not a git repository |');
    expect(markdown).toContain('| Harness | `ollama-auth-conformance 0.1.0`, checks `1.0.0`, ollama/ollama `fb30760` |');
    expect(markdown).toMatch(/\n\| Spec digest \| `sha256:[0-9a-f]{64}` \|\n/);
    expect(markdown).toContain([
      '```sh',
      "oac check --client './client'",
      "oac check --client './client' --scenario 'F-02'",
      "oac check --client './client' --scenario 'apikey/golden'",
      "oac check --client './client' --scenario 'keys/missing'",
      '```',
    ].join('\n'));
  });

  test('evidence.md has no raw HTML, no secret, and every table row has as many cells as its header', async () => {
    const { markdown } = await writeEvidence(freshDir('safe'), run(), { scenarios, git: NOT_A_REPO, env: {} });
    // Outside the fenced reproduce block no `<` starts anything; inside it GitHub shows text verbatim, and a
    // shell command must stay pasteable (the redacted client command holds `<redacted>`).
    const fence = /\n```sh\n[\s\S]*?\n```\n/;
    expect(markdown).toMatch(fence);
    expect(markdown.replace(fence, '\n')).not.toMatch(/<[A-Za-z!?/]/);
    expect(markdown).toContain("```sh\noac check --client 'OLLAMA_API_KEY=<redacted> ./client'\n");
    for (const secret of Object.values(SECRETS)) expect(markdown).not.toContain(secret);
    let header = 0;
    for (const line of markdown.split('\n')) {
      if (!line.startsWith('|')) {
        header = 0;
        continue;
      }
      if (header === 0) header = cellSeparators(line);
      expect([line, cellSeparators(line)]).toEqual([line, header]);
    }
    // eslint-disable-next-line no-control-regex
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  test('data that would break the Markdown is escaped: pipes, backticks, a closing fence, angle brackets', async () => {
    const base = run();
    const hostile = {
      ...base,
      client: { ...base.client, command: './client --x "a|b" `whoami` <script>' },
      scenarios: [{
        ...base.scenarios[1]!,
        id: 'F-02',
        verdicts: [{ check: 'registry/realm/same-host' as const, verdict: 'fail' as const, level: 'MUST' as const, message: 'row | break `code` <img src=x> [link](http://x) *bold*\n## heading' }],
        reproduce: "oac check --client './client' --scenario 'F-02'\n```\n<script>alert(1)</script>",
      }],
    };
    const { markdown } = await writeEvidence(freshDir('hostile'), hostile, { scenarios, git: NOT_A_REPO, env: {}, reproduce: 'oac check ````' });
    expect(markdown).toContain('| Client command | \\./client --x "a\\|b" \\`whoami\\` &lt;script\\> |');
    // `.` and `:` are escaped too, so a URL in the data cannot become a link.
    expect(markdown).toContain('| row \\| break \\`code\\` &lt;img src=x\\> \\[link\\]\\(http\\://x\\) \\*bold\\* \\#\\# heading |');
    // The fence is longer than any backtick run inside, so the block cannot be closed early.
    expect(markdown).toContain("`````sh\noac check ````\noac check --client './client' --scenario 'F-02' ``` <script>alert(1)</script>\n`````");
    const outsideFences = markdown.replace(/`````sh\n[\s\S]*?\n`````/g, '');
    expect(outsideFences).not.toMatch(/<[A-Za-z!?/]/);
  });

  test('a passing run says so and lists no failing check', async () => {
    const base = run();
    const passing = { ...base, scenarios: [base.scenarios[0]!], unexpectedPasses: [] };
    const { markdown } = await writeEvidence(freshDir('pass'), passing, { scenarios, git: NOT_A_REPO, env: {}, reproduce: 'oac check' });
    expect(markdown.split('\n').slice(0, 3)).toEqual(['## ✅ Ollama auth conformance: PASS', '', '**Verdict: pass.** No failing check in 1 scenario (SHOULD-level deviations are reported, not failing).']);
    expect(markdown).not.toContain('Failing checks');
    expect(markdown).toContain('The whole run:\n\n```sh\noac check\n```');
  });

  test('with GITHUB_STEP_SUMMARY set, the same Markdown is appended to that file (not overwritten)', async () => {
    const summary = join(root, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const written = await writeEvidence(freshDir('summary'), run(), { scenarios, git: NOT_A_REPO, env: { GITHUB_STEP_SUMMARY: summary } });
    expect(written.stepSummary).toBe(summary);
    expect(readFileSync(summary, 'utf8')).toBe(`# earlier step\n${written.markdown}`);
  });

  test('an unwritable GITHUB_STEP_SUMMARY is an error that says the evidence itself was written', async () => {
    const dir = freshDir('summary-bad');
    await expect(writeEvidence(dir, run(), { scenarios, git: NOT_A_REPO, env: { GITHUB_STEP_SUMMARY: join(root, 'no-such-dir', 'summary.md') } }))
      .rejects.toThrow(`the evidence is in ${dir}, but appending it to GITHUB_STEP_SUMMARY (${join(root, 'no-such-dir', 'summary.md')}) failed: ENOENT`);
    expect(verifyEvidence(dir).ok).toBe(true);
  });
});

describe('the client commit (git rev-parse HEAD, git status --porcelain in the cwd)', () => {
  const git = (cwd: string, ...args: string[]): string => {
    const r = spawnSync('git', ['-c', 'user.name=oac', '-c', 'user.email=oac@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };

  test('outside a repository: "not a git repository"', async () => {
    const cwd = mkdtempSync(join(root, 'plain-'));
    const { markdown } = await writeEvidence(freshDir('git-none'), run(), { scenarios, cwd, env: {} });
    expect(markdown).toContain('| Client commit | not a git repository |');
  });

  test('a clean checkout, then the same checkout with an uncommitted file', async () => {
    const cwd = mkdtempSync(join(root, 'repo-'));
    git(cwd, 'init', '-q');
    writeFileSync(join(cwd, 'client.sh'), 'echo hi\n');
    git(cwd, 'add', 'client.sh');
    git(cwd, 'commit', '-q', '-m', 'client');
    const head = git(cwd, 'rev-parse', 'HEAD');
    const clean = await writeEvidence(freshDir('git-clean'), run(), { scenarios, cwd, env: {} });
    expect(clean.markdown).toContain(`| Client commit | \`${head}\`, clean work tree |`);
    appendFileSync(join(cwd, 'client.sh'), 'echo changed\n');
    writeFileSync(join(cwd, 'new.txt'), 'x');
    const dirty = await writeEvidence(freshDir('git-dirty'), run(), { scenarios, cwd, env: {} });
    expect(dirty.markdown).toContain(`| Client commit | \`${head}\`, **dirty**: 2 uncommitted changes when the run started |`);
  });
});

describe('verifyEvidence', () => {
  async function bundle(name: string): Promise<string> {
    const dir = freshDir(name);
    await writeEvidence(dir, run(), { scenarios, git: NOT_A_REPO, env: {} });
    return dir;
  }

  test('a bundle as written verifies', async () => {
    const dir = await bundle('v-ok');
    expect(verifyEvidence(dir)).toEqual({ dir, ok: true, verified: ['evidence.md', 'junit.xml', 'report.html', 'results.json'], problems: [] });
  });

  test('one changed byte is an error naming the file, with both sums', async () => {
    const dir = await bundle('v-byte');
    const path = join(dir, 'report.html');
    const bytes = readFileSync(path);
    const expected = sha256Hex(bytes);
    bytes[100] = bytes[100]! ^ 0x01;
    writeFileSync(path, bytes);
    const result = verifyEvidence(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([`report.html: changed since it was written (SHA-256 ${sha256Hex(bytes)}, SHA256SUMS says ${expected})`]);
    // sha256sum agrees.
    expect(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' }).stdout).toBe('report.html: FAILED\n');
  });

  test('a missing file, an unlisted file, a malformed line and a missing SHA256SUMS are each named', async () => {
    const dir = await bundle('v-missing');
    unlinkSync(join(dir, 'junit.xml'));
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n');
    writeFileSync(join(dir, 'SHA256SUMS'), [sums[0], sums[1], 'not a sum line', sums[3], ''].join('\n'));
    expect(verifyEvidence(dir).problems).toEqual([
      'SHA256SUMS line 3: expected "<64 hex digits>  <file name>", got "not a sum line"',
      'junit.xml: listed in SHA256SUMS but is missing',
      'report.html: part of every evidence bundle but not listed in SHA256SUMS',
    ]);
    unlinkSync(join(dir, 'SHA256SUMS'));
    expect(verifyEvidence(dir).problems).toEqual([`SHA256SUMS is missing in ${dir}: is this a folder written by oac check --evidence?`]);
  });

  test('results.json that no longer matches its schema fails even when its sum was updated to match', async () => {
    const dir = await bundle('v-schema');
    const path = join(dir, 'results.json');
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    doc['strict'] = 'yes';
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    writeFileSync(path, text);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}(?= {2}results\.json$)/m, sha256Hex(text));
    writeFileSync(join(dir, 'SHA256SUMS'), sums);
    expect(verifyEvidence(dir).problems).toEqual(['results.json: /strict: must be boolean (specs/schemas/results.schema.json)']);
  });
});

describe('a client that fails everything', () => {
  test('the comment stays under GitHub\'s 65536 characters: 40 failing rows, 10 reproduce lines, and a pointer to the rest', async () => {
    const base = run();
    const template = base.scenarios[1]!;
    const many = Array.from({ length: 60 }, (_, i) => ({
      ...template,
      id: `S-${String(i).padStart(2, '0')}`,
      verdicts: template.verdicts.map((v) => ({ ...v, message: 'x'.repeat(400) })),
      reproduce: `oac check --client './client' --scenario 'S-${String(i).padStart(2, '0')}'`,
    }));
    const dir = join(root, 'many');
    const { markdown } = await writeEvidence(dir, { ...base, scenarios: many }, { scenarios, git: NOT_A_REPO, env: {}, reproduce: 'oac check' });
    expect(markdown.length).toBeLessThan(65536);
    expect(markdown.split('\n').filter((l) => l.startsWith('| `S-')).length).toBe(40);
    expect(markdown).toContain('\n… and 80 more failing checks: `results.json` and `report.html` list them all.\n');
    expect(markdown).toContain('The whole run, then the first 10 of the 60 failing scenarios on their own:');
    expect(markdown.split('\n').filter((l) => l.startsWith("oac check --client './client' --scenario")).length).toBe(10);
  });
});
