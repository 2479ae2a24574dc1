/**
 * `oac report <results.json>`: a saved run rendered again (HTML, Markdown, JUnit) says what the live run
 * said, and a file that is not a results.json gets one error naming the file and the first problem.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { renderSavedRun, reportCommand } from '../../src/cli/report.js';
import { loadResultsFile } from '../../src/report/from-results-json.js';
import { renderMarkdownSummary } from '../../src/report/markdown.js';
import { renderResultsJson, summarize, toJunitXml } from '../../src/report/index.js';
import { run, SECRETS } from '../report/fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'oac-report-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const saved = join(scratch, 'results.json');
writeFileSync(saved, renderResultsJson(run()));

describe('a saved run, rendered again', () => {
  test('the Markdown summary is the one the live run gives (verdicts, Expected/Actual, reproduce, skips)', () => {
    expect(renderSavedRun(saved, 'md')).toBe(renderMarkdownSummary(run()));
  });

  test('the counts and every verdict survive; the failing step is found again from the evidence', () => {
    const again = loadResultsFile(saved);
    expect(summarize(again)).toEqual(summarize(run()));
    const html = renderSavedRun(saved, 'html');
    const f02 = html.slice(html.indexOf('<details class="scenario" id="s1"'), html.indexOf('<details class="scenario" id="s4"'));
    expect([...f02.matchAll(/<g class="step( bad)?" data-step="(\d)">/g)].map((m) => `${m[2]}${m[1] ? ' bad' : ''}`)).toEqual(['0', '1 bad']);
    expect(f02).toContain('other host');
    expect(f02).toContain('<dt>Expected</dt><dd><code>no request to the other host</code></dd>');
  });

  test('JUnit: the same test cases and failures as the live run', () => {
    const cases = (xml: string): string[] => [...xml.matchAll(/<testcase name="([^"]+)" classname="([^"]+)"[^>]*>(\s*<(failure|error|skipped))?/g)].map((m) => `${m[2]} ${m[1]} ${m[4] ?? 'pass'}`);
    expect(cases(renderSavedRun(saved, 'junit'))).toEqual(cases(toJunitXml(run())));
  });

  test('no planted secret in any format', () => {
    for (const format of ['html', 'md', 'junit'] as const) {
      const text = renderSavedRun(saved, format);
      for (const [name, secret] of Object.entries(SECRETS)) expect([format, name, text.includes(secret)]).toEqual([format, name, false]);
    }
  });
});

describe('a file that is not a results.json', () => {
  test.each([
    ['missing', (f: string) => f, (f: string) => `cannot read ${f}: ENOENT`],
    ['not JSON', (f: string) => (writeFileSync(f, '{"version": '), f), (f: string) => `${f} is not JSON: Unexpected end of JSON input`],
    ['no summary', (f: string) => {
      const doc = JSON.parse(readFileSync(saved, 'utf8')) as Record<string, unknown>;
      delete doc['summary'];
      writeFileSync(f, JSON.stringify(doc));
      return f;
    }, (f: string) => `${f} is not a valid results.json (specs/schemas/results.schema.json): (the document): must have property "summary"`],
    ['a verdict that is not one', (f: string) => {
      const doc = JSON.parse(readFileSync(saved, 'utf8')) as { scenarios: { verdicts: { verdict: string }[] }[] };
      doc.scenarios[1]!.verdicts[0]!.verdict = 'maybe';
      writeFileSync(f, JSON.stringify(doc));
      return f;
    }, (f: string) => `${f} is not a valid results.json (specs/schemas/results.schema.json): /scenarios/1/verdicts/0/verdict: must be one of "pass", "fail", "non-strict", "skip", "error"`],
  ])('%s: one error naming the file and the first problem', (name, make, message) => {
    const file = make(join(scratch, `${name.replace(/\W+/g, '-')}.json`));
    expect(() => renderSavedRun(file, 'html')).toThrow(message(file));
  });
});

describe('the command', () => {
  // yargs throws its own validation errors synchronously: the async wrapper turns them into a rejection.
  const cli = async (argv: string[]): Promise<unknown> => yargs(argv).command(reportCommand).strict().exitProcess(false)
    .fail((msg, err) => { throw err ?? new Error(msg); }).parseAsync();

  test('--format md --out FILE writes the Markdown summary', async () => {
    const out = join(scratch, 'summary.md');
    await cli(['report', saved, '--format', 'md', '--out', out]);
    // Written as UTF-8: the fixture's lone surrogate becomes U+FFFD, as in any file.
    expect(readFileSync(out, 'utf8')).toBe(Buffer.from(renderMarkdownSummary(run()), 'utf8').toString('utf8'));
  });

  test('an unknown --format is refused by name', async () => {
    await expect(cli(['report', saved, '--format', 'pdf', '--out', join(scratch, 'x')])).rejects.toThrow('Invalid values:\n  Argument: format, Given: "pdf", Choices: "html", "md", "junit"');
  });
});
