/**
 * One temporary folder per run of a command, removed when the run ends however it ends: normally, on
 * an error, or on SIGINT/SIGTERM/SIGHUP (Ctrl-C). Everything a run writes to disk — client HOMEs with
 * test private keys, the `oac` shim, throwaway CA and server keys — lives below it, so "nothing left in
 * $TMPDIR" is one rule in one place instead of a promise every caller must keep.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './errors.js';
import { atExit } from './exit-hooks.js';

export interface Workspace {
  /** The run's folder (created, 0700). */
  readonly dir: string;
  /** A fresh sub-folder, e.g. one client HOME per scenario. */
  subdir(prefix: string): string;
  /** Remove the folder and everything in it; safe to call twice. */
  remove(): void;
}

/**
 * Create a run workspace under $TMPDIR. `OAC_KEEP_TMP=1` keeps it (for debugging a client) and says
 * where on stderr, so keeping is never silent.
 */
export function createWorkspace(prefix = 'oac-run-', opts: { keep?: boolean; log?: { write(s: string): unknown } } = {}): Workspace {
  const root = tmpdir();
  let dir: string;
  try {
    dir = mkdtempSync(join(root, prefix));
  } catch (err) {
    throw new HarnessError('workspace/tmp', `cannot create a temporary folder under ${root}: ${(err as Error).message}`, { cause: err });
  }
  const keep = opts.keep ?? process.env['OAC_KEEP_TMP'] === '1';
  let removed = false;
  let unregister = (): void => undefined;
  const ws: Workspace = {
    dir,
    subdir(sub: string): string {
      if (removed) throw new HarnessError('workspace/removed', `the run folder ${dir} was already removed`);
      return mkdtempSync(join(dir, sub));
    },
    remove(): void {
      if (removed) return;
      removed = true;
      unregister();
      if (keep) {
        (opts.log ?? process.stderr).write(`oac: kept ${dir} (OAC_KEEP_TMP=1)\n`);
        return;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  unregister = atExit(() => ws.remove());
  return ws;
}
