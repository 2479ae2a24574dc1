/**
 * The cassettes a run served, with the provenance each one carries (`log._oac`): the report summary
 * says where the recorded answers came from (the live service or the emulator) and when they expire,
 * which is what a reviewer needs to judge how far the verdicts speak about the real service.
 */
import { readFileSync } from 'node:fs';
import { HarnessError } from '../errors.js';
import { resolveCassettePath } from '../recorder/cassette-engine.js';
import type { ReportCassette } from './model.js';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The provenance of each named cassette (each name once, in the order given). */
export function cassetteProvenance(names: readonly string[], recordingsDir?: string): ReportCassette[] {
  const out: ReportCassette[] = [];
  for (const name of [...new Set(names)]) {
    const path = resolveCassettePath(name, recordingsDir);
    let oac: Record<string, unknown>;
    try {
      const doc = JSON.parse(readFileSync(path, 'utf8')) as { log?: { _oac?: Record<string, unknown> } };
      oac = doc.log?._oac ?? {};
    } catch (err) {
      throw new HarnessError('report/cassette', `cannot read the provenance of cassette ${name} (${path}): ${(err as Error).message}`, { cause: err });
    }
    const entry: ReportCassette = { name, origin: text(oac['origin']) ?? 'unknown', recordedAt: text(oac['recordedAt']) ?? 'unknown' };
    for (const field of ['expiresAt', 'harnessVersion', 'protocolCommit'] as const) {
      const value = text(oac[field]);
      if (value !== undefined) entry[field] = value;
    }
    out.push(entry);
  }
  return out;
}
