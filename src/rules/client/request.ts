/**
 * The client rules the conformance server applies to one request, after the emulator answered it: the
 * emulator judges a request by whatever it carries; these rules add what only the scenario and the run so
 * far can tell (the flow the client was asked to use, the challenge it was really sent, the host it used,
 * an earlier identical signature) and decide which finding supersedes which.
 */
import type { Finding } from '../findings.js';
import { apiKeyFlowFindings, emptyBearerOnResource } from './apikey.js';
import { basicFlowFindings } from './basic.js';
import { freshTsFinding, schemeWordSupersedes, signWhenSupersedes } from './direct.js';
import { badKeyRequestFinding } from './keys.js';
import { signsEveryRequest, type RequestRole, type ScenarioFacts } from './observations.js';
import { downgradeSupersedes } from './tls.js';
import { retrySchemeFinding } from './token.js';
import { TOKEN_REQUEST_CHECKS } from './token-request.js';
import { challengeCopySupersedes, sameHostSupersedes } from './token-url.js';

/** One request as the conformance server saw it, with what it knows of the run so far. */
export interface RequestObservation {
  role: RequestRole;
  authorization: string | undefined;
  /** What the emulator found while answering it. */
  emulatorFindings: readonly Finding[];
  /** It follows one of our own redirects and carries no credential: dropped on purpose, rightly. */
  afterOurRedirect: boolean;
  /** The WWW-Authenticate field values last sent, as the client saw them (after the mutation). */
  lastChallenge: string[] | undefined;
  /** Our origin + the request target: the URL a correct client signed. */
  receivedUrl: string;
  /** The Host header it came with, and the host of the resources (the listener's own name). */
  hostHeader: string;
  resourceHost: string;
  /** The same Authorization value arrived on an earlier /api/* request. */
  repeatedAuthorization: boolean;
  /** It came over plain http to the port the client reached over https. */
  overPlainHttp: boolean;
}

/**
 * The emulator judges an /api/* request by whatever credential it carries. In the Basic and API-key
 * flows a request with the wrong kind of credential (or none) is judged by that flow's rule instead, and
 * with OLLAMA_AUTH=1 a request without a signature breaks sign-when.
 */
function flowFindings(scenario: ScenarioFacts, o: RequestObservation): Finding[] {
  if (o.role !== 'api') return [...o.emulatorFindings];
  if (o.afterOurRedirect) return [];
  if (scenario.action === 'basic-tags') {
    const basic = basicFlowFindings(scenario.client.credentials, o.authorization);
    if (basic !== undefined) return basic;
  }
  if (scenario.action === 'apikey-tags') {
    const apiKey = apiKeyFlowFindings(scenario.client.apiKey, o.authorization);
    if (apiKey !== undefined) return apiKey;
  }
  if (signsEveryRequest(scenario) && o.authorization === undefined) return signWhenSupersedes(o.emulatorFindings);
  return [...o.emulatorFindings];
}

function present(finding: Finding | undefined): Finding[] {
  return finding === undefined ? [] : [finding];
}

export function clientRequestFindings(scenario: ScenarioFacts, o: RequestObservation): Finding[] {
  let findings = flowFindings(scenario, o);
  findings.push(...present(badKeyRequestFinding(scenario.client.key, o.authorization)));
  if (o.role === 'resource') findings.push(...present(emptyBearerOnResource(o.authorization)), ...present(retrySchemeFinding(o.authorization)));
  if (o.role === 'token' && o.lastChallenge !== undefined) findings = challengeCopySupersedes(findings, o.lastChallenge, o.receivedUrl);
  if (o.role === 'token' && o.hostHeader !== o.resourceHost) findings = sameHostSupersedes(findings, TOKEN_REQUEST_CHECKS.signature, o.hostHeader, o.resourceHost);
  if (o.role === 'api' && o.authorization !== undefined && signsEveryRequest(scenario)) {
    findings.push(freshTsFinding(o.repeatedAuthorization));
    findings = schemeWordSupersedes(findings, o.authorization);
  }
  if (o.overPlainHttp && o.authorization !== undefined) findings = downgradeSupersedes(findings, o.role);
  return findings;
}
