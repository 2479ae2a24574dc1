/** Types of scripts/compat-table-lib.mjs (for the TypeScript tests that import it). */
export type VerdictKind = 'pass' | 'fail' | 'non-strict' | 'skip' | 'error';

/** The parts of an `oac check` results.json that the table reads. */
export interface ResultsLike {
  scenarios: { id: string; flow?: string; verdicts: { check: string; verdict: VerdictKind; level?: 'MUST' | 'SHOULD' }[] }[];
  summary: Partial<Record<VerdictKind, number>> & Record<string, unknown>;
  [field: string]: unknown;
}

export interface CheckEntry {
  verdict: VerdictKind;
  level: 'MUST' | 'SHOULD' | undefined;
  bad: string[];
}

export const START_MARKER: '<!-- compat-table:start -->';
export const END_MARKER: '<!-- compat-table:end -->';
export const VERDICT_KINDS: VerdictKind[];
export const SYMBOLS: Record<VerdictKind, string>;
export function symbolFor(kind: VerdictKind): string;
export function worst(kinds: Iterable<VerdictKind>): VerdictKind;
export function checkVerdicts(results: ResultsLike): Map<string, CheckEntry>;
export function flowCounts(results: ResultsLike): Map<string, Record<VerdictKind, number>>;
export function buildCompatTable(columns: { name: string; results: ResultsLike }[], options?: { checkOrder?: string[] }): string;
export function replaceBetweenMarkers(text: string, table: string, where?: string): string;

export declare const CLIENTS: { name: string; command: string }[];
/** Clients run through `oac check --intercept`: one run per action, merged into one column. */
export declare const INTERCEPT_CLIENTS: { name: string; runs: { action: string; command: string }[] }[];
export function mergeResults(list: ResultsLike[]): ResultsLike;
