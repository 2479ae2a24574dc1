/**
 * Disclosure rule of `oac probe`: `/` ("Ollama is running") and `/api/version` answer without
 * credentials on a bare Ollama (server/routes.go@fb30760 L1877-1880). Behind a proxy they SHOULD not:
 * they tell a scanner that Ollama runs here, and which version (the first two requests of every
 * exposure scanner).
 */
import type { CheckId } from '../../check-ids.js';
import type { RuleResult } from '../verdicts.js';
import { mustBeRefused } from './access.js';
import type { ProbeExchange } from './observations.js';

const DISCLOSURE_CHECKS = {
  version: 'probe/disclosure/version',
} as const;

export const DISCLOSURE_CHECK_IDS: readonly CheckId[] = Object.values(DISCLOSURE_CHECKS);

/** Findings for one exchange: only requests without credentials to a version-disclosing route count. */
export function judgeDisclosure(e: ProbeExchange): RuleResult {
  if (!e.versionDisclosing || e.credential.family !== 'none') return { findings: [], inconclusive: [] };
  return mustBeRefused(DISCLOSURE_CHECKS.version, e, { reached: 'answers without credentials and discloses Ollama', expected: 'refused without credentials' });
}
