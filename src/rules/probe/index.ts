/**
 * The probe's rules, one module per check family. Each is a pure function from observations to
 * findings; `decideVerdicts` (../verdicts.ts) turns findings into verdicts. The probe engine only
 * gathers observations and calls these.
 */
import type { CheckId } from '../../check-ids.js';
import { mergeResults, type RuleResult } from '../verdicts.js';
import { ACCESS_CHECK_IDS, accessNotApplicable, judgeAccess } from './access.js';
import { CORS_CHECK_IDS, judgeCors } from './cors.js';
import { DISCLOSURE_CHECK_IDS, judgeDisclosure } from './disclosure.js';
import { DRIFT_CHECK_IDS, driftNotApplicable, judgeDrift } from './drift.js';
import { judgeForeignClientCert, judgeMtls, judgeWithoutClientCert, MTLS_CHECK_IDS, mtlsNotApplicable } from './mtls.js';
import type { DriftObservation, ProbeExchange } from './observations.js';
import { judgeTls, TLS_CHECK_IDS, tlsNotApplicable } from './tls.js';

export * from './observations.js';
export { tlsVersionName } from './tls.js';
export { ACCESS_CHECK_IDS, TLS_CHECK_IDS, MTLS_CHECK_IDS, CORS_CHECK_IDS, DRIFT_CHECK_IDS };

/** Findings for one request/answer exchange of the route probe. */
export function judgeExchange(e: ProbeExchange): RuleResult {
  return mergeResults(judgeAccess(e), judgeDisclosure(e));
}

/** The checks a route's result shows: disclosure for the version-disclosing routes, access otherwise. */
export function routeChecks(versionDisclosing: boolean): readonly CheckId[] {
  return versionDisclosing ? DISCLOSURE_CHECK_IDS : ACCESS_CHECK_IDS;
}

export { judgeTls, tlsNotApplicable, judgeMtls, judgeWithoutClientCert, judgeForeignClientCert, mtlsNotApplicable, judgeCors, judgeDrift, driftNotApplicable, accessNotApplicable };
export type { DriftObservation };
