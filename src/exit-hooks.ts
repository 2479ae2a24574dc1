/**
 * Cleanups that must run however the process ends: on a normal exit, and on SIGINT/SIGTERM/SIGHUP
 * (Ctrl-C). Run newest first, like `defer`: client process groups are killed before the run folder
 * holding their HOMEs is removed. The process hooks exist only while a cleanup is registered, and after
 * an interrupt the process dies of the same signal, as it would have without us.
 */
const cleanups: (() => void)[] = [];
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

function runAll(): void {
  while (cleanups.length > 0) cleanups.pop()!();
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  unhook();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', runAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Register `cleanup`; the returned function unregisters it (without running it). */
export function atExit(cleanup: () => void): () => void {
  cleanups.push(cleanup);
  hook();
  return () => {
    const i = cleanups.lastIndexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
    if (cleanups.length === 0) unhook();
  };
}
