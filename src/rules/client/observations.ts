/**
 * What the client rules read, whoever gathered it: the conformance server's view of a request (its role,
 * what it carried) and the scenario facts that change what a request means. Structural types, so the
 * conformance layer passes its own Scenario and Observation without a conversion.
 */

/** How the conformance server understood a request it received (`probe`: a request `oac probe` sent to a deployment). */
export type RequestRole = 'challenge' | 'token' | 'resource' | 'api' | 'other-host' | 'unknown' | 'probe';

/** The parts of a scenario the client rules depend on. */
export interface ScenarioFacts {
  action: string;
  client: { key: string; apiKey?: string; credentials?: string };
  mutation: readonly { op: string }[];
}

/** The cloud actions run with OLLAMA_AUTH=1: every request must be signed. */
export function signsEveryRequest(scenario: ScenarioFacts): boolean {
  return scenario.action === 'cloud-tags' || scenario.action === 'cloud-whoami';
}
