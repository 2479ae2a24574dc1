/** What `oac check` prints and writes: live progress, the verdict table, and the report files. */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckOutcome } from '../conformance/runner.js';
import { loadScenarios, scenariosDir } from '../conformance/scenarios.js';
import type { ScenarioResult } from '../conformance/types.js';
import { harnessVersion, PROTOCOL_COMMIT } from '../recorder/provenance.js';
import { checkCatalogVersion } from '../specs/catalog.js';
import { installedSpecDigest, printable, renderResultsJson, renderTerminal, shouldColor, toHtmlReport, toJunitXml, TOOL_NAME, type ReportCassette, type RunReport } from '../report/index.js';


export interface RunInfo {
  client: string;
  config: Record<string, unknown>;
  strict: boolean;
  /** The scenario directory the run loaded (for the spec digest; default: the installed one). */
  scenariosDir?: string;
  /** The cassettes the scenarios were served from, with their provenance (cassetteProvenance). */
  cassettes?: ReportCassette[];
}

/**
 * The spec digest of the scenarios this run judged (those with a result), the same figure evidence.md shows
 * for the same run: both hash the scenarios' content, not the folder they came from.
 */
function runSpecDigest(outcome: CheckOutcome, dir: string): string {
  const judged = new Set(outcome.results.map((result) => result.id));
  return installedSpecDigest(loadScenarios(dir).filter((scenario) => judged.has(scenario.id)));
}

export function toRunReport(outcome: CheckOutcome, info: RunInfo): RunReport {
  const digest = runSpecDigest(outcome, info.scenariosDir ?? scenariosDir());
  return {
    tool: { name: TOOL_NAME, version: harnessVersion(), checksVersion: checkCatalogVersion(), protocolCommit: PROTOCOL_COMMIT, specDigest: digest },
    cassettes: info.cassettes ?? [],
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

export interface CheckOutputOptions {
  /** List passing scenarios too (`--verbose`). */
  verbose?: boolean;
}

/**
 * Live progress on stderr: on a terminal, one line rewritten in place (done/total and the failures so
 * far); in a pipe or a CI log, nothing at all, so the first lines of the combined output are the verdict
 * and the failures, not 51 progress lines.
 */
export function renderCheckOutput(stream: NodeJS.WritableStream & { isTTY?: boolean }, total: number, opts: CheckOutputOptions = {}): CheckOutput {
  const live = stream.isTTY === true;
  let done = 0;
  let failing = 0;
  return {
    progress(result) {
      done += 1;
      if (result.verdict === 'fail' || result.verdict === 'error' || result.harnessError !== undefined) failing += 1;
      if (!live) return;
      const counter = `${String(done).padStart(String(total).length)}/${total}`;
      const line = `[${counter}] ${failing === 0 ? 'no failure so far' : `${failing} failing`} · last: ${printable(result.id)}`;
      stream.write(`\r\u001b[K${line}`);
    },
    finish(report, out) {
      if (live && done > 0) stream.write('\r\u001b[K');
      out.write(`${renderTerminal(report, { color: shouldColor(out), verbose: opts.verbose === true })}\n`);
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
