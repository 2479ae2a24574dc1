/** What `oac check` prints and writes: live progress, the verdict table, and the report files. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckOutcome } from '../conformance/runner.js';
import type { ScenarioResult } from '../conformance/types.js';
import { checkCatalogVersion } from '../specs/catalog.js';
import { progressLine, renderResultsJson, renderTerminal, shouldColor, toHtmlReport, toJunitXml, TOOL_NAME, type RunReport } from '../report/index.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The commit of ollama/ollama that docs/protocol.md (and so every check's source) describes. */
export const PROTOCOL_COMMIT = 'fb30760';

export function toRunReport(outcome: CheckOutcome, info: { client: string; config: Record<string, unknown>; strict: boolean }): RunReport {
  return {
    tool: { name: TOOL_NAME, version: packageVersion(), checksVersion: checkCatalogVersion(), protocolCommit: PROTOCOL_COMMIT },
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    strict: info.strict,
    config: info.config,
    client: { mode: 'exec', command: info.client, contract: 'oac-exec/1' },
    scenarios: outcome.results,
    unexpectedPasses: outcome.unexpectedPasses,
    secrets: outcome.secrets,
  };
}

export interface CheckOutput {
  progress(result: ScenarioResult): void;
  finish(report: RunReport, out: NodeJS.WritableStream & { isTTY?: boolean }): void;
}

/** One line per finished scenario on stderr (coloured and counted on a TTY, plain otherwise). */
export function renderCheckOutput(stream: NodeJS.WritableStream & { isTTY?: boolean }, total: number): CheckOutput {
  const color = shouldColor(stream);
  let done = 0;
  return {
    progress(result) {
      done += 1;
      const counter = stream.isTTY ? `[${String(done).padStart(String(total).length)}/${total}] ` : '';
      stream.write(`${counter}${progressLine(result, { color })}\n`);
    },
    finish(report, out) {
      out.write(`${renderTerminal(report, { color: shouldColor(out) })}\n`);
    },
  };
}

/** results.json, junit.xml and report.html, each written atomically (temp file + rename). */
export function writeReports(dir: string, report: RunReport): string[] {
  const files: [string, string][] = [
    ['results.json', renderResultsJson(report)],
    ['junit.xml', toJunitXml(report)],
    ['report.html', toHtmlReport(report)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}
