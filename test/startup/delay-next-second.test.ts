/**
 * direct/fresh-ts needs the client's second request to be signed in a later second than its first. The
 * `delay` operation `until: "next-second"` holds the first answer exactly that long (plus a margin),
 * instead of a fixed 1.1 s: these tests fix the clock and check the arithmetic, the schema and the
 * scenario that uses it.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOperation, delayOf } from '../../src/conformance/mutate.js';
import type { OutgoingResponse } from '../../src/conformance/response.js';
import type { MutationOp } from '../../src/conformance/types.js';
import { specsDir } from '../../src/specs/load.js';
import { validate } from '../../src/specs/validate.js';

const untilNextSecond: MutationOp = { op: 'delay', target: 'api', until: 'next-second', marginMs: 50 };

function response(delayMs = 0): OutgoingResponse {
  return { status: 200, headers: [], body: undefined, chunks: undefined, drop: false, delayMs };
}

describe('delay until the next whole second', () => {
  test.each([
    [1_700_000_000_000, 1_050],
    [1_700_000_000_001, 1_049],
    [1_700_000_000_400, 650],
    [1_700_000_000_999, 51],
  ])('at %i ms the answer is held %i ms: it leaves 50 ms into the next second', (now, held) => {
    const res = response();
    applyOperation(res, untilNextSecond, {}, () => now);
    expect(res.delayMs).toBe(held);
    expect(Math.floor((now + res.delayMs) / 1000)).toBe(Math.floor(now / 1000) + 1);
  });

  test('counts from when the answer would leave: a delay already on the response is waited first', () => {
    const res = response(300);
    applyOperation(res, untilNextSecond, {}, () => 1_700_000_000_800);
    // It would leave at …001.100; the next second starts at …002.000, plus 50 ms.
    expect(res.delayMs).toBe(300 + 950);
  });

  test('without marginMs it waits for the second boundary itself', () => {
    expect(delayOf({ op: 'delay', target: 'api', until: 'next-second' }, 0, 1_700_000_000_250)).toBe(750);
  });

  test('a fixed ms delay is unchanged', () => {
    const res = response();
    applyOperation(res, { op: 'delay', target: 'api', ms: 1100 }, {}, () => 0);
    expect(res.delayMs).toBe(1100);
  });

  test('a bad until or margin is an error that says what was expected', () => {
    expect(() => delayOf({ op: 'delay', target: 'api', until: 'next-minute' }, 0, 0)).toThrow('delay "until" must be "next-second", got "next-minute"');
    expect(() => delayOf({ op: 'delay', target: 'api', until: 'next-second', marginMs: -1 }, 0, 0)).toThrow('delay "marginMs" must be a whole number ≥ 0, got -1');
  });
});

describe('the scenario schema and direct/fresh-ts', () => {
  const scenario = JSON.parse(readFileSync(join(specsDir(), 'scenarios', 'direct-fresh-ts.json'), 'utf8')) as { mutation: Record<string, unknown>[] };

  test('direct/fresh-ts waits until the next second, not a fixed time', () => {
    expect(scenario.mutation).toEqual([{ op: 'delay', target: 'api', occurrence: 1, until: 'next-second', marginMs: 50 }]);
    expect(validate('scenario', scenario)).toEqual({ ok: true, errors: [] });
  });

  test('a delay names ms or until, not both and not neither; marginMs only with until', () => {
    const withOp = (op: Record<string, unknown>): unknown => ({ ...scenario, mutation: [op] });
    expect(validate('scenario', withOp({ op: 'delay', target: 'api', ms: 1100 })).ok).toBe(true);
    expect(validate('scenario', withOp({ op: 'delay', target: 'api', ms: 10, until: 'next-second' })).ok).toBe(false);
    expect(validate('scenario', withOp({ op: 'delay', target: 'api' })).ok).toBe(false);
    expect(validate('scenario', withOp({ op: 'delay', target: 'api', ms: 10, marginMs: 5 })).ok).toBe(false);
    expect(validate('scenario', withOp({ op: 'delay', target: 'api', until: 'next-hour' })).ok).toBe(false);
  });
});
