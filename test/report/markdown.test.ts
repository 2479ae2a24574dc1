/**
 * The Markdown summary (a pull-request comment): verdict, counts, failing checks with Expected/Actual,
 * the commands that reproduce them, skips by reason; text the client controls cannot become markup.
 */
import { describe, expect, test } from '@jest/globals';
import { mdText } from '../../src/report/github-markdown.js';
import { renderMarkdownSummary } from '../../src/report/markdown.js';
import { run, SECRETS } from './fixture.js';

describe('renderMarkdownSummary', () => {
  const md = renderMarkdownSummary(run({ tool: { ...run().tool, specDigest: `sha256:${'0'.repeat(64)}` } }));
  const lines = md.split('\n');

  test('the verdict heading, the client, the harness with its spec digest, the counts', () => {
    expect(lines.slice(0, 8)).toEqual([
      '## ❌ FAILED: 1 failing scenario \\(F-02\\), 2 harness errors \\(apikey/golden, keys/missing\\) · 7 scenarios, 12 checks\\: 5 pass, 3 fail, 1 non-strict, 1 skip, 2 error',
      '',
      'Client: OLLAMA\\_API\\_KEY=&lt;redacted\\> \\./client  ',
      `Harness: ollama-auth-conformance 0\\.1\\.0 · spec digest sha256\\:${'0'.repeat(64)}`,
      '',
      '| scenarios | checks | pass | fail | non-strict | skip | error |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      '| 7 | 12 | 5 | 3 | 1 | 1 | 2 |',
    ]);
  });

  test('one row per failing check (not the baseline ones), then the reproduce commands in a code block', () => {
    const rows = lines.filter((l) => /^\| (FAIL|ERROR|NON-STRICT) \|/.test(l));
    expect(rows.map((r) => r.split(' | ').slice(0, 3).join(' | '))).toEqual([
      '| FAIL | F-02 | registry/realm/same-host',
      '| FAIL | F-02 | errors/surfaced',
      '| ERROR | apikey/golden | apikey/bearer',
      '| ERROR | keys/missing | harness/error',
      '| NON-STRICT | direct/skew | direct/fresh-ts',
    ]);
    expect(rows[1]).toBe('| FAIL | F-02 | errors/surfaced | MUST | exited 0 although the flow failed | a non-zero exit | exit 0 |');
    const block = md.slice(md.indexOf('### Reproduce'));
    expect(block).toContain("```sh\noac check --client './client' --scenario 'F-02'\noac check --client './client' --scenario 'apikey/golden'\n");
    expect(md).toContain('1 scenario with known failures from the baseline (not counted against the run).');
    expect(md).toContain('### Skipped\n\n- the client does not implement basic-tags \\(exit 3\\), 1 scenario\n');
  });

  test('client-controlled text cannot become a link, an image, markup or a broken table', () => {
    expect(mdText('![x](https://evil.example/a.png) <img src=x> a|b `c` [l](u)\nnext')).toBe(
      '\\!\\[x\\]\\(https\\://evil\\.example/a\\.png\\) &lt;img src=x\\> a\\|b \\`c\\` \\[l\\]\\(u\\) next',
    );
    expect(md).not.toMatch(/<b>|<\/b>/);
    expect(md).toContain('sent its signature to another host &lt;b\\>&amp;amp; "double" \'single\'&lt;/b\\>');
  });

  test('a reproduce command with backticks gets a longer fence', () => {
    const base = run();
    const f02 = { ...base.scenarios[1]!, reproduce: "oac check --client 'echo ```' --scenario 'F-02'" };
    const out = renderMarkdownSummary(run({ scenarios: [f02] }));
    expect(out).toContain("````sh\noac check --client 'echo ```' --scenario 'F-02'\n````");
  });

  test('an OK run has no failing table', () => {
    const ok = renderMarkdownSummary(run({ scenarios: run().scenarios.slice(0, 1), unexpectedPasses: [] }));
    expect(ok.startsWith('## ✅ OK: no failing scenario · 1 scenario, 2 checks\\: 2 pass, 0 fail, 0 non-strict, 0 skip, 0 error\n')).toBe(true);
    expect(ok).not.toContain('### Failing checks');
  });

  test('no planted secret', () => {
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, md.includes(secret)]).toEqual([name, false]);
  });
});
