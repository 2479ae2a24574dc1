/**
 * `oac` in a client command means this harness's own CLI, wherever it is installed: a shim directory
 * put first on the client's PATH makes `--client "oac client"` work from a clone, from npx and from a
 * global install alike, without touching the user's PATH.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';
import { shellQuote } from './subject.js';

export interface OacShim {
  dir: string;
}

/** Write the shim into `dir` (a folder of the run's workspace, removed with it). */
export function createOacShim(dir: string): OacShim {
  // Two levels up from src/conformance/ (ts-jest) and dist/conformance/ (built) is the package root.
  const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  if (!existsSync(main)) throw new HarnessError('check/not-built', `${main} is missing: run "npm run build" (npm ci does it) before oac check`);
  const shim = join(dir, 'oac');
  writeFileSync(shim, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(main)} "$@"\n`);
  chmodSync(shim, 0o755);
  return { dir };
}
