/**
 * `oac report <results.json> [--format html|md|junit] [--out FILE]`: render a saved run again, e.g. the
 * results.json a pull request attached, as report.html, a Markdown summary or JUnit XML. The file is
 * validated against results.schema.json first (the error names the file and the first problem).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadResultsFile } from '../report/from-results-json.js';
import { renderMarkdownSummary } from '../report/markdown.js';
import { toHtmlReport, toJunitXml, type RunReport } from '../report/index.js';
import { assertSingleValued, usage } from './args.js';

export const REPORT_FORMATS = ['html', 'md', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

interface ReportArgs {
  results: string;
  format: ReportFormat;
  out?: string;
}

const RENDER: Record<ReportFormat, (run: RunReport) => string> = {
  html: toHtmlReport,
  md: renderMarkdownSummary,
  junit: toJunitXml,
};

/** The text of a saved run in one format. */
export function renderSavedRun(file: string, format: ReportFormat): string {
  if (!REPORT_FORMATS.includes(format)) throw usage(`--format: expected one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  return RENDER[format](loadResultsFile(file));
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <results>',
  describe: 'Render a saved results.json again: report.html, a Markdown summary (md) or JUnit XML',
  builder: (y) =>
    y
      .positional('results', { type: 'string', demandOption: true, describe: 'a results.json written by oac check or oac probe (--report-dir)' })
      .option('format', { type: 'string', choices: REPORT_FORMATS, default: 'html' as ReportFormat, describe: 'what to render' })
      .option('out', { type: 'string', describe: 'write to this file instead of standard output' })
      .example('$0 report out/results.json --out report.html', 'the HTML report again')
      .example('$0 report out/results.json --format md', 'a Markdown summary for a pull-request comment'),
  handler: (args) => {
    assertSingleValued(args as unknown as Record<string, unknown>, ['format', 'out']);
    const text = renderSavedRun(args.results, args.format);
    if (args.out === undefined) {
      process.stdout.write(text);
      return;
    }
    // Written whole or not at all (temp file + rename), as oac check writes its reports.
    const out = resolve(args.out);
    writeFileSync(`${out}.tmp`, text);
    renameSync(`${out}.tmp`, out);
    process.stderr.write(`report: ${out}\n`);
  },
};
