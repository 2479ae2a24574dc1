/** Observations for the probe rules' tests: one exchange with sensible defaults, overridden per case. */
import type { CredentialFamily, ExchangeOutcome, ProbeExchange, Reach } from '../../src/rules/probe/observations.js';

const DESCRIPTIONS: Record<CredentialFamily, string> = {
  none: 'no credentials',
  valid: 'the right credentials',
  wrong: 'a wrong password',
  malformed: 'a garbage Authorization header',
  'key-variant': 'the API key with its letter case swapped',
};

export const ANSWERS: Record<Reach, ExchangeOutcome> = {
  ollama: { kind: 'response', status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, bodySnippet: '{"models":[]}' },
  refused: { kind: 'response', status: 401, headers: { 'content-type': 'text/html' }, bodySnippet: '<html>401 Authorization Required</html>' },
  unknown: { kind: 'timeout', message: 'no answer within 5000 ms' },
};

export const REASONS: Record<Reach, string> = {
  ollama: 'Ollama\'s own answer to this request: 200 matching ^\\{"models":\\[.*\\]\\}$',
  refused: '401 is not Ollama\'s answer (status 401, not 200)',
  unknown: 'timeout: no answer within 5000 ms',
};

export function exchange(overrides: Partial<ProbeExchange> & { family?: CredentialFamily; reach?: Reach } = {}): ProbeExchange {
  const { family = 'none', reach = 'refused', ...rest } = overrides;
  return {
    seq: 3,
    route: '/api/tags',
    method: 'GET',
    target: '/api/tags',
    spelling: 'canonical',
    purpose: 'registered-method',
    credential: { id: family === 'none' ? 'none' : family === 'valid' ? 'valid' : `${family}-x`, family, description: DESCRIPTIONS[family] },
    headers: {},
    versionDisclosing: false,
    outcome: ANSWERS[reach],
    reach,
    reachReason: REASONS[reach],
    curl: 'curl -sS -i http://127.0.0.1:8443/api/tags',
    ...rest,
  };
}
