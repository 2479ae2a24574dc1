/**
 * `oac probe` as a library: point it at a deployed Ollama behind a proxy and gather what it answers.
 * The engine gathers observations; the rules (src/rules/probe) decide; src/rules/verdicts.ts
 * aggregates; src/report/probe.ts puts a run in the report model `oac check` uses.
 */
import { swapCase } from './credentials.js';
import type { ProbeRun } from './engine.js';
import { secretsOf, type ProbeTarget } from './target.js';

export { resolveTarget, assertClientCertPair, DEFAULT_TIMEOUT_MS, DEFAULT_CONCURRENCY, type ProbeTarget } from './target.js';
export { routeCatalogue, type RouteCatalogue } from './catalogue.js';
export { runProbe, type ProbeRun } from './engine.js';
export { readProbeRecording, writeProbeCassette, type ProbeRecording } from './cassette.js';

/** Every secret the run held or derived: what reports and recordings must never show. */
export function probeSecrets(t: ProbeTarget, run: ProbeRun): string[] {
  const derived = t.apiKey ? [swapCase(t.apiKey)].filter((s): s is string => s !== undefined) : [];
  return [...new Set([...secretsOf(t), ...derived, ...run.wireSecrets])];
}
