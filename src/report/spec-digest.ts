/**
 * The spec digest: one SHA-256 over what decided a run's verdicts, the check catalogue and the scenarios
 * the run used. Two runs with the same digest were judged by the same rules on the same scenarios, so a
 * reviewer can tell "the client changed" from "the harness's specs changed". report.html, the Markdown
 * summary and evidence.md all show this one figure.
 *
 * The input is canonical JSON (keys sorted at every level, no whitespace), so neither the key order nor the
 * formatting of a spec file moves the digest. A scenario's `file` (where the loader found it) is not
 * content and is left out; scenarios are taken in id order, so the order in which a run lists them does
 * not matter either.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Scenario } from '../conformance/types.js';
import { readJsonFile, specsDir } from '../specs/load.js';

const SPEC_DIGEST_PREFIX = 'sha256:';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** `sha256:<64 hex>` over `{"checks": <catalogue document>, "scenarios": [<scenario>…]}` in canonical JSON. */
export function specDigest(catalogue: unknown, scenarios: readonly Scenario[]): string {
  const used = [...scenarios]
    .map(({ file: _file, ...content }) => content)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const text = JSON.stringify(canonical({ checks: catalogue, scenarios: used }));
  return `${SPEC_DIGEST_PREFIX}${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** The digest for the installed specs/checks.json and the given scenarios. */
export function installedSpecDigest(scenarios: readonly Scenario[]): string {
  return specDigest(readJsonFile(join(specsDir(), 'checks.json')), scenarios);
}
