/**
 * How `oac check` schedules scenarios (runPool): `jobs` at a time, results in the scenarios' order, and a
 * scenario whose server waits on purpose (direct/fresh-ts waits for the next whole second) lends its job
 * slot while it waits, so the run does not idle behind it.
 */
import { describe, expect, test } from '@jest/globals';
import { runPool } from '../../src/conformance/runner.js';
import type { Scenario, ScenarioResult } from '../../src/conformance/types.js';

const scenario = (id: string): Scenario => ({ id }) as unknown as Scenario;
const result = (id: string): ScenarioResult => ({ id }) as unknown as ScenarioResult;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('runPool', () => {
  test('runs at most `jobs` at a time and keeps the scenarios\' order in the results', async () => {
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const results = await runPool(['a', 'b', 'c', 'd', 'e'].map(scenario), 2, async (s) => {
      running++;
      most = Math.max(most, running);
      await sleep(s.id === 'a' ? 150 : 5);
      running--;
      return result(s.id);
    }, (r) => done.push(r.id));
    expect(results.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(most).toBe(2);
    expect(done[done.length - 1]).toBe('a');
    expect([...done].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a scenario waiting on purpose lends its slot; none starts while the slots are taken again', async () => {
    const events: string[] = [];
    let working = 0;
    let mostWorking = 0;
    await runPool(['waits', 'b', 'c'].map(scenario), 1, async (s, onWait) => {
      events.push(`start ${s.id}`);
      if (s.id === 'waits') {
        onWait(true);
        await sleep(40);
        onWait(false);
      } else {
        working++;
        mostWorking = Math.max(mostWorking, working);
        await sleep(10);
        working--;
      }
      events.push(`end ${s.id}`);
      return result(s.id);
    }, undefined);
    // b ran inside the wait of the first; c only after b, since one slot is one slot.
    expect(events.slice(0, 2)).toEqual(['start waits', 'start b']);
    expect(events.indexOf('start c')).toBeGreaterThan(events.indexOf('end b'));
    expect(mostWorking).toBe(1);
  });

  test('no scenarios: an empty result at once', async () => {
    await expect(runPool([], 2, async () => result('x'), undefined)).resolves.toEqual([]);
  });
});
