/**
 * `oac check --evidence DIR`: the bundle a pull request links to. evidence.md (the comment), the three
 * reports the other renderers make (results.json, junit.xml, report.html, byte for byte what
 * `--report-dir` writes) and SHA256SUMS over the four, written last so it only ever lists complete files.
 * When $GITHUB_STEP_SUMMARY names a file, the same Markdown is appended to it (the job's summary page).
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Scenario } from '../conformance/types.js';
import { shellQuote } from '../conformance/subject.js';
import { installedSpecDigest, renderResultsJson, toHtmlReport, toJunitXml, type RunReport } from '../report/index.js';
import { EvidenceError } from './errors.js';
import { collectGitState, type GitState } from './git-state.js';
import { renderEvidenceMarkdown } from './markdown.js';
import { formatSums, sha256Hex, SUMS_FILE } from './sums.js';

export const EVIDENCE_FILES = ['evidence.md', 'results.json', 'junit.xml', 'report.html'] as const;

export interface EvidenceInput {
  /** The scenarios the run used (their content goes into the spec digest). */
  scenarios: readonly Scenario[];
  /** The client's working directory, whose git commit is recorded (default: process.cwd()). */
  cwd?: string;
  /** Already collected (e.g. before the run, so files the run writes do not count as changes). */
  git?: GitState;
  /** The command line that reproduces the run (default: reproduceCommand of the client and strictness). */
  reproduce?: string;
  /** Where GITHUB_STEP_SUMMARY is read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface EvidenceWritten {
  dir: string;
  /** Absolute paths, SHA256SUMS last. */
  files: string[];
  markdown: string;
  /** The step-summary file the Markdown was appended to, when GITHUB_STEP_SUMMARY was set. */
  stepSummary?: string;
}

/** `oac check` flags that decide which verdicts a run gives, as a command line a reviewer can paste. */
export function reproduceCommand(opts: { client: string; flow?: string; scenario?: string; baseline?: string; strict?: boolean; scenarios?: string }): string {
  const parts = ['oac check', `--client ${shellQuote(opts.client)}`];
  if (opts.flow !== undefined) parts.push(`--flow ${shellQuote(opts.flow)}`);
  if (opts.scenario !== undefined) parts.push(`--scenario ${shellQuote(opts.scenario)}`);
  if (opts.scenarios !== undefined) parts.push(`--scenarios ${shellQuote(opts.scenarios)}`);
  if (opts.baseline !== undefined) parts.push(`--baseline ${shellQuote(opts.baseline)}`);
  if (opts.strict) parts.push('--strict');
  return parts.join(' ');
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new EvidenceError('evidence/write-failed', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export async function writeEvidence(dir: string, run: RunReport, input: EvidenceInput): Promise<EvidenceWritten> {
  const abs = resolve(dir);
  const git = input.git ?? (await collectGitState(input.cwd ?? process.cwd()));
  const markdown = renderEvidenceMarkdown(run, {
    git,
    specDigest: installedSpecDigest(input.scenarios),
    reproduce: input.reproduce ?? reproduceCommand({ client: run.client.command ?? '', strict: run.strict }),
  });
  const contents: Record<(typeof EVIDENCE_FILES)[number], string> = {
    'evidence.md': markdown,
    'results.json': renderResultsJson(run),
    'junit.xml': toJunitXml(run),
    'report.html': toHtmlReport(run),
  };
  try {
    mkdirSync(abs, { recursive: true });
  } catch (err) {
    throw new EvidenceError('evidence/write-failed', `cannot create the evidence folder ${abs}: ${(err as Error).message}`, { cause: err });
  }
  const files = EVIDENCE_FILES.map((name) => {
    writeAtomically(join(abs, name), contents[name]);
    return join(abs, name);
  });
  const sums = formatSums([...EVIDENCE_FILES].sort().map((name) => ({ name, sha256: sha256Hex(contents[name]) })));
  writeAtomically(join(abs, SUMS_FILE), sums);
  files.push(join(abs, SUMS_FILE));

  const stepSummary = (input.env ?? process.env)['GITHUB_STEP_SUMMARY'];
  if (stepSummary === undefined || stepSummary === '') return { dir: abs, files, markdown };
  try {
    appendFileSync(stepSummary, markdown);
  } catch (err) {
    throw new EvidenceError('evidence/step-summary', `the evidence is in ${abs}, but appending it to GITHUB_STEP_SUMMARY (${stepSummary}) failed: ${(err as Error).message}`, { cause: err });
  }
  return { dir: abs, files, markdown, stepSummary };
}
