/**
 * The shipped cassettes (recordings/): every flow and variant recorded from the emulator, deterministically
 * (`npm run record:emulated`): the published test key (TEST_SEED), a fixed clock, nonces from a counter,
 * stable host names (registry.emulated.test, ollama.emulated.test) dialled through the recorder's
 * connectTo, and a fresh emulator per cassette. Run twice, it writes byte-identical files, so a diff of
 * recordings/ shows only real changes (emulator, reference client or recorder behaviour).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '../emulator/index.js';
import { keyFromSeed, TEST_SEED } from '../keys/index.js';
import { VARIANTS, type VariantSpec } from './flows.js';
import { deterministicNonces, recordCassette, type RecordResult } from './record.js';

/** 2023-11-14T22:13:20Z, the golden vectors' ts (1700000000). */
export const EMULATED_CLOCK_MS = 1_700_000_000_000;
export const EMULATED_REGISTRY_ORIGIN = 'http://registry.emulated.test';
export const EMULATED_API_ORIGIN = 'http://ollama.emulated.test';

/**
 * Credentials the emulator is started with. Derived, not written down: they are redacted from every
 * cassette, and no literal credential lives in the repository.
 */
export function emulatedCredentials(): { apiKey: string; basic: { user: string; pass: string } } {
  const derive = (label: string) => createHash('sha256').update(`ollama-auth-conformance emulated ${label}`).digest('hex').slice(0, 32);
  return { apiKey: `oac-emulated-${derive('api key')}`, basic: { user: 'oac-user', pass: derive('basic password') } };
}

export interface EmulatedRecordOptions {
  /** Called after each cassette (the script prints progress from here). */
  onResult?: (result: RecordResult) => void;
  /** Only these variants (`registry/pull`); default all. */
  only?: readonly string[];
  /** Build and check, but do not write. */
  write?: boolean;
}

async function started(emulator: Emulator): Promise<number> {
  return (await emulator.start()).port;
}

export async function recordEmulatedVariant(spec: VariantSpec, outDir: string, write = true): Promise<RecordResult> {
  const clock = (): number => EMULATED_CLOCK_MS;
  const { apiKey, basic } = emulatedCredentials();
  const registry = createEmulator({ publicOrigin: EMULATED_REGISTRY_ORIGIN, now: clock });
  const api = createEmulator({ publicOrigin: EMULATED_API_ORIGIN, now: clock, apiKeys: [apiKey], basic });
  try {
    const registryPort = await started(registry);
    const apiPort = await started(api);
    return await recordCassette({
      target: { registryOrigin: EMULATED_REGISTRY_ORIGIN, apiOrigin: EMULATED_API_ORIGIN },
      connectTo: {
        'registry.emulated.test:80': `127.0.0.1:${registryPort}`,
        'ollama.emulated.test:80': `127.0.0.1:${apiPort}`,
      },
      origin: 'emulator',
      flow: spec.flow,
      variant: spec.variant,
      key: keyFromSeed(TEST_SEED),
      ...(spec.needs.apiKey ? { apiKey } : {}),
      ...(spec.needs.basic ? { basic } : {}),
      now: clock,
      nonceBytes: deterministicNonces(spec.cassette),
      out: join(outDir, spec.cassette),
      notes: 'Deterministic: the published test key (TEST_SEED, bytes 0x01..0x20), the clock fixed at 1700000000 (recordedAt is that clock, not the day it ran), nonces from a counter, a fresh emulator per cassette; regenerate with `npm run record:emulated`.',
      write,
    });
  } finally {
    await registry.stop();
    await api.stop();
  }
}

/** Records every shipped variant into `outDir` (normally recordings/), one after the other. */
export async function recordEmulatedSet(outDir: string, opts: EmulatedRecordOptions = {}): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  for (const spec of VARIANTS) {
    if (opts.only && !opts.only.includes(`${spec.flow}/${spec.variant}`)) continue;
    const result = await recordEmulatedVariant(spec, outDir, opts.write ?? true);
    results.push(result);
    opts.onResult?.(result);
  }
  return results;
}
