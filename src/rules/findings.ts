/**
 * What every rule returns: findings rather than exceptions, so that one received request (or one probe
 * answer) can be judged against many rules at once and every verdict names its rule.
 * `id` is a check id from specs/checks.json (`CheckId`: an id the catalogue lacks does not compile).
 */
import type { CheckId } from '../check-ids.js';

export interface Finding {
  id: CheckId;
  ok: boolean;
  /** One sentence a client author can act on. */
  message: string;
  expected?: string;
  actual?: string;
}

export function pass(id: CheckId, message: string): Finding {
  return { id, ok: true, message };
}

export function fail(id: CheckId, message: string, expected?: string, actual?: string): Finding {
  const finding: Finding = { id, ok: false, message };
  if (expected !== undefined) finding.expected = expected;
  if (actual !== undefined) finding.actual = actual;
  return finding;
}

export function check(id: CheckId, ok: boolean, message: string, expected?: string, actual?: string): Finding {
  return ok ? pass(id, message) : fail(id, message, expected, actual);
}
