/**
 * `oac check` never records, so nothing on its path loads Polly.js (about 150 ms of start-up): the
 * conformance server reaches cassettes through the engine (src/recorder/cassette-engine.ts), never through
 * the recorder's barrel. Checked on the source graph (dependency-cruiser, the same resolver as the layer
 * check), so it holds before any build.
 */
import { expect, test } from '@jest/globals';
import { resolve } from 'node:path';
import { runProcess } from '../helpers/process.js';

const DEPCRUISE = resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface CruiseModule {
  source: string;
  dependencies: Array<{ resolved: string }>;
}

/** Every module reachable from `entry`, with the import chain that reaches each (for the failure message). */
async function reachable(entry: string): Promise<Map<string, string[]>> {
  const run = await runProcess(process.execPath, [DEPCRUISE, entry, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: process.cwd(), timeoutMs: 120_000 });
  expect(run.code).toBe(0);
  const modules = (JSON.parse(run.stdout) as { modules: CruiseModule[] }).modules;
  const bySource = new Map(modules.map((m) => [m.source, m]));
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const dep of bySource.get(at)?.dependencies ?? []) {
      if (chains.has(dep.resolved)) continue;
      chains.set(dep.resolved, [...chains.get(at)!, dep.resolved]);
      queue.push(dep.resolved);
    }
  }
  return chains;
}

test('no @pollyjs module and no src/recorder/polly.ts is reachable from the check command', async () => {
  const chains = await reachable('src/cli/check.ts');
  expect(chains.has('src/conformance/cassette.ts')).toBe(true);
  const polly = [...chains.entries()].filter(([path]) => path === 'src/recorder/polly.ts' || path.includes('@pollyjs/')).map(([, chain]) => chain.join(' → '));
  expect(polly).toEqual([]);
}, 120_000);

test('the recorder barrel does load Polly (so the check above would see it if the path came back)', async () => {
  const chains = await reachable('src/recorder/index.ts');
  expect(chains.has('src/recorder/polly.ts')).toBe(true);
}, 120_000);
