/** Findings → verdicts: the one place a check gets its verdict. */
import { describe, expect, test } from '@jest/globals';
import type { Finding } from '../../src/rules/findings.js';
import { decideVerdicts, worstOf, type RuleResult } from '../../src/rules/verdicts.js';
import type { CheckEntry } from '../../src/specs/catalog.js';
import type { CheckId } from '../../src/check-ids.js';

const MUST = 'probe/access/no-credentials' as CheckId;
const SHOULD = 'probe/disclosure/version' as CheckId;
const entry = (id: CheckId, level: 'MUST' | 'SHOULD'): CheckEntry => ({ id, level, requirement: `${id} MUST hold`, source: ['x'], reference: 'REF', protocolRef: [], flows: ['probe'] });
const catalogue = new Map<string, CheckEntry>([[MUST, entry(MUST, 'MUST')], [SHOULD, entry(SHOULD, 'SHOULD')]]);
const ok = (id: CheckId, message = 'fine'): Finding => ({ id, ok: true, message });
const bad = (id: CheckId, message: string): Finding => ({ id, ok: false, message, expected: 'E', actual: 'A' });

function one(id: CheckId, result: RuleResult, notApplicable?: Map<CheckId, string>) {
  return decideVerdicts({ checks: [id], result, catalogue, ...(notApplicable ? { notApplicable } : {}) })[0];
}

describe('decideVerdicts', () => {
  test.each<[string, CheckId, RuleResult, string, string]>([
    ['a failed MUST is fail', MUST, { findings: [ok(MUST), bad(MUST, 'GET /api/tags reached Ollama')], inconclusive: [] }, 'fail', 'GET /api/tags reached Ollama'],
    ['a failed SHOULD is non-strict', SHOULD, { findings: [bad(SHOULD, 'GET / answers')], inconclusive: [] }, 'non-strict', 'GET / answers'],
    ['all ok is pass (one finding: its message)', MUST, { findings: [ok(MUST, 'refused')], inconclusive: [] }, 'pass', 'refused'],
    ['all ok is pass (several: how many, and the requirement)', MUST, { findings: [ok(MUST), ok(MUST)], inconclusive: [] }, 'pass', '2 observations, all as required: probe/access/no-credentials MUST hold'],
    ['no finding is skip', MUST, { findings: [], inconclusive: [] }, 'skip', 'not evaluated: no observation of this run applies to it'],
    ['an inconclusive finding is error, even next to a failure', MUST, { findings: [bad(MUST, 'x')], inconclusive: [bad(MUST, 'timed out')] }, 'error', 'timed out'],
  ])('%s', (_name, id, result, verdict, message) => {
    expect(one(id, result)).toMatchObject({ check: id, verdict, message });
  });

  test('a failure carries the first failing finding\'s expected and actual', () => {
    expect(one(MUST, { findings: [bad(MUST, 'm')], inconclusive: [] })).toEqual({ check: MUST, level: 'MUST', verdict: 'fail', message: 'm', expected: 'E', actual: 'A' });
  });

  test('several failures are listed, up to eight, then counted', () => {
    const findings = Array.from({ length: 10 }, (_, i) => bad(MUST, `r${i}`));
    expect(one(MUST, { findings, inconclusive: [] })!.message).toBe('10 observations failed: r0; r1; r2; r3; r4; r5; r6; r7; and 2 more');
  });

  test('a skip says why when the rule knows', () => {
    expect(one(MUST, { findings: [], inconclusive: [] }, new Map([[MUST, 'no --api-key was given']]))!.message).toBe('no --api-key was given');
  });

  test('a finding for a check not requested is a bug, and says so', () => {
    expect(() => decideVerdicts({ checks: [MUST], result: { findings: [ok(SHOULD)], inconclusive: [] }, catalogue }))
      .toThrow('a rule produced a finding for probe/disclosure/version, which this verdict request does not include (probe/access/no-credentials)');
  });

  test('a check the catalogue lacks is a bug, and says so', () => {
    expect(() => decideVerdicts({ checks: ['probe/tls/expiry' as CheckId], result: { findings: [], inconclusive: [] }, catalogue }))
      .toThrow('check probe/tls/expiry is not in specs/checks.json: add it there before a rule decides it');
  });
});

test('worstOf orders error > fail > non-strict > pass > skip', () => {
  expect(worstOf([{ verdict: 'pass' }, { verdict: 'non-strict' }, { verdict: 'skip' }])).toBe('non-strict');
  expect(worstOf([{ verdict: 'fail' }, { verdict: 'error' }])).toBe('error');
  expect(worstOf([])).toBe('skip');
});
