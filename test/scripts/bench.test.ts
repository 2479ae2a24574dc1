/**
 * `npm run bench` with tiny bounds (one scenario, one second of load): the last line is one JSON object
 * with every figure the README's Speed table is made from, each a positive number, and the targets
 * judged; scripts/bench-table.mjs turns it into the table between the README markers and refuses a
 * README without them. Needs a built dist/ (as `npm test` makes it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess, type ProcessRun } from '../helpers/process.js';

/** A script of scripts/ in its own Node process (bench runs for a while: 120 s at most). */
function node(args: string[]): Promise<ProcessRun> {
  return runProcess(process.execPath, args, { timeoutMs: 120_000 });
}

const positive = expect.any(Number);
type Json = Record<string, unknown>;

function positiveNumbers(value: unknown, path: string): string[] {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => positiveNumbers(v, `${path}.${k}`));
  return [];
}

describe('npm run bench (tiny bounds)', () => {
  let dir: string;
  let ran: ProcessRun;
  let bench: Json;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oac-bench-test-'));
    ran = await node(['scripts/bench.mjs', '--seconds', '1', '--handshakes', '50', '--concurrency', '4', '--startup-runs', '1', '--scenario', 'registry/golden']);
    writeFileSync(join(dir, 'bench.out'), ran.stdout);
    bench = (JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as { bench: Json }).bench;
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ends with one JSON line holding every figure, each a positive number', () => {
    expect({ code: ran.code, stderr: ran.code === 0 ? '' : ran.stderr }).toEqual({ code: 0, stderr: '' });
    expect(bench).toMatchObject({
      verify: { harnessPerSecond: positive, nodeCryptoPerSecond: positive, noblePerSecond: positive },
      handshakes: {
        emulator: { handshakes: positive, perSecond: positive, p50Ms: positive, p95Ms: positive, concurrency: 4 },
        bare: { handshakes: positive, perSecond: positive },
        limitPerSecond: positive,
        ratioToLimit: positive,
      },
      suites: {
        declining: { seconds: positive, scenarios: 1, floorSeconds: positive, ratioToFloor: positive },
        startup: { nodeMs: positive, clientMs: positive, ratio: positive, runs: 1 },
        reference: { seconds: positive, scenarios: 1, idealSeconds: positive, ratio: positive, peakRssMB: positive },
      },
    });
    // Every number in the figures is positive (exit codes and option echoes aside).
    const figures = { verify: bench['verify'], handshakes: bench['handshakes'], suites: bench['suites'] };
    expect(positiveNumbers(JSON.parse(JSON.stringify(figures, (k, v: unknown) => (k === 'exitCode' ? undefined : v))), 'bench')).toEqual([]);
    expect(Object.keys(bench['targets'] as Json).sort()).toEqual(['clientStartupRatio', 'decliningSuiteSeconds', 'handshakeRatioToLimit', 'peakRssMB', 'referenceSuiteRatio']);
    for (const t of Object.values(bench['targets'] as Record<string, Json>)) expect(t).toEqual(expect.objectContaining({ value: positive, met: expect.any(Boolean), says: expect.any(String) }));
  });

  test('the Speed table goes between the README markers and nothing else changes', async () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# x\n\n## Speed\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\n## After\n');
    const r = await node(['scripts/bench-table.mjs', '--from', join(dir, 'bench.out'), '--readme', readme]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const text = readFileSync(readme, 'utf8');
    expect(text.startsWith('# x\n\n## Speed\n\n<!-- bench:start -->\n| measurement | result | target |\n|---|---|---|\n')).toBe(true);
    expect(text.endsWith('<!-- bench:end -->\n\n## After\n')).toBe(true);
    expect(text).not.toContain('old table');
    expect(text).toContain('emulator ÷ L');
  });

  test('bench-table refuses a README without the markers and says which are missing', async () => {
    const readme = join(dir, 'README-no-markers.md');
    writeFileSync(readme, '# x\n\n## Speed\n\nno markers here\n');
    const r = await node(['scripts/bench-table.mjs', '--from', join(dir, 'bench.out'), '--readme', readme]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`bench-table: ${readme}: expected the markers <!-- bench:start --> and <!-- bench:end --> (in that order) around the Speed table; found no <!-- bench:start --> and no <!-- bench:end -->\n`);
    expect(readFileSync(readme, 'utf8')).toBe('# x\n\n## Speed\n\nno markers here\n');
  });
});
