/**
 * A verdict: what the rules layer decides for one check (src/rules/verdicts.ts), for a client run by
 * `oac check` and a deployment probed by `oac probe` alike. It lives here, in the layer that decides
 * it; src/conformance/types.ts re-exports it for the code that already imports it from there.
 */
import type { CheckId } from '../check-ids.js';

export type VerdictKind = 'pass' | 'fail' | 'non-strict' | 'skip' | 'error';

export interface Verdict {
  check: CheckId;
  verdict: VerdictKind;
  level: 'MUST' | 'SHOULD';
  message: string;
  expected?: string;
  actual?: string;
  /** In the baseline of expected failures: visible, but does not fail the run. */
  expectedFailure?: boolean;
}
