/**
 * Running a process the harness does not trust: a client under test (`oac check`), or the user's command
 * that `oac record --intercept` records. Detached into its own session and process group, stdin at EOF,
 * stdout and stderr captured up to a cap, and never awaited synchronously: the servers it talks to answer
 * from this same Node process, so a synchronous wait would hang both until the timeout.
 *
 * Never rejects for anything the process does: one that cannot be started is `spawnError`, one that
 * outlives `timeoutMs` is killed (SIGTERM to the group, SIGKILL after the grace period) and reported
 * `timedOut` and `killed`. When it exits, whatever it left running in its group is killed too, so no
 * stray process outlives its run; and `oac` kills every running group when it exits or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { atExit } from './exit-hooks.js';

const DEFAULT_OUTPUT_CAP = 1024 * 1024;
/** Between SIGTERM and SIGKILL on a timeout. */
const KILL_GRACE_MS = 2_000;
/**
 * After the client's process has exited (and the rest of its process group has been killed), how long we
 * wait for its stdout/stderr to close. Only a process that left our process group (setsid) and kept the
 * pipes can make us wait this long; then we stop reading.
 */
const DRAIN_MS = 2_000;

export interface RunDetachedOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  cwd?: string;
  /** Bytes kept of stdout and of stderr each (default 1 MiB); the rest is counted and noted. */
  maxOutputBytes?: number;
  /** Default KILL_GRACE_MS. */
  killGraceMs?: number;
}

/** What a run of a process was, once it is over (a client under test, or the command `oac record --intercept` records). */
export interface ProcessRun {
  /** The command as the caller names it in messages and reports. */
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The harness killed the process (timeout): noted in the verdict so nobody mistakes it for a crash. */
  killed: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The process could not be started at all (harness/environment problem): the system's reason. */
  spawnError?: string;
}

class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private readonly notes: string[] = [];
  private kept = 0;
  private dropped = 0;
  constructor(private readonly cap: number, private readonly name: string) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  /** A line of the harness's own, added after the output (marked `[oac: …]`). */
  note(text: string): void {
    this.notes.push(text);
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    const notes = [...this.notes];
    if (this.dropped > 0) notes.unshift(`${this.name} truncated: kept the first ${this.kept} bytes, dropped ${this.dropped} more`);
    if (notes.length === 0) return text;
    const sep = text.endsWith('\n') || text === '' ? '' : '\n';
    return `${text}${sep}${notes.map((n) => `[oac: ${n}]\n`).join('')}`;
  }
}

/** Signals a process's whole group; returns why it could not, when that is not "already gone". */
function killGroup(pid: number, signal: NodeJS.Signals): string | undefined {
  try {
    process.kill(-pid, signal);
    return undefined;
  } catch (err) {
    // ESRCH: the whole group is gone already, which is what we wanted.
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH' ? undefined : `${signal} to process group ${pid} failed: ${(err as Error).message}`;
  }
}

/**
 * Processes run detached (their own session and process group), so a Ctrl-C aimed at `oac` does not
 * reach them. While any runs, `oac` kills their groups when it exits or is interrupted (SIGINT, SIGTERM,
 * SIGHUP); the hooks exist only while a process is running, so they change nothing otherwise.
 */
const liveGroups = new Set<number>();
let unregisterKill: (() => void) | undefined;

function killLiveGroups(): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  unregisterKill ??= atExit(killLiveGroups);
}

function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
  if (liveGroups.size === 0 && unregisterKill) {
    unregisterKill();
    unregisterKill = undefined;
  }
}

/** What runDetached learns about the process as it runs; turned into a ProcessRun when it is over. */
class ProcessState {
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  exitedAt: number | undefined;
  timedOut = false;
  killed = false;
  spawnError: string | undefined;
  readonly started = Date.now();
  readonly stdout: CappedOutput;
  readonly stderr: CappedOutput;

  constructor(readonly command: string, cap: number) {
    this.stdout = new CappedOutput(cap, 'stdout');
    this.stderr = new CappedOutput(cap, 'stderr');
  }

  /** A failed kill is the harness's problem, not the process's: it goes into stderr, where the report shows it. */
  signalGroup(groupPid: number, sig: NodeJS.Signals): void {
    const problem = killGroup(groupPid, sig);
    if (problem !== undefined) this.stderr.note(problem);
  }

  result(): ProcessRun {
    const run: ProcessRun = {
      command: this.command,
      exitCode: this.exitCode,
      signal: this.signal,
      timedOut: this.timedOut,
      killed: this.killed,
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      durationMs: (this.exitedAt ?? Date.now()) - this.started,
    };
    if (this.spawnError !== undefined) run.spawnError = this.spawnError;
    return run;
  }
}

/**
 * Wires the child's events to `state`: output into the caps, a failed start as spawnError, an exit
 * (then killing whatever the process left in its group, and waiting at most DRAIN_MS for the pipes).
 */
function watchProcess(child: ChildProcess, state: ProcessState, later: (ms: number, fn: () => void) => void, finish: () => void): void {
  const pid = child.pid;
  child.stdout?.on('data', (chunk: Buffer) => state.stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => state.stderr.push(chunk));
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (pid === undefined) {
      // spawn failed (ENOENT, a cwd that does not exist, EAGAIN…): no process ran. The caller says what it tried.
      state.spawnError = err.message;
      state.exitedAt = Date.now();
      finish();
      return;
    }
    // The process runs; node reports some other trouble with it. The exit and timeout paths still apply.
    state.stderr.note(`child process error: ${err.message}`);
  });
  child.on('exit', (code, sig) => {
    state.exitCode = code;
    state.signal = sig;
    state.exitedAt = Date.now();
    // Background children the process left behind would hold our pipes open (and leak past the run).
    if (pid !== undefined) state.signalGroup(pid, 'SIGKILL');
    later(DRAIN_MS, finish);
  });
  // Without a pid the spawn failed and 'error' (which comes first) has finished already.
  child.on('close', () => {
    if (pid !== undefined) finish();
  });
}

/** On timeout: SIGTERM to the group, SIGKILL after the grace period, and give up on the pipes after that. */
function armTimeout(pid: number, state: ProcessState, opts: RunDetachedOptions, later: (ms: number, fn: () => void) => void, finish: () => void): void {
  const grace = opts.killGraceMs ?? KILL_GRACE_MS;
  later(opts.timeoutMs, () => {
    if (state.exitedAt !== undefined) return;
    state.timedOut = true;
    state.killed = true;
    state.signalGroup(pid, 'SIGTERM');
    later(grace, () => state.signalGroup(pid, 'SIGKILL'));
    // Even a process SIGKILL cannot end (uninterruptible I/O) must not hold the harness.
    later(grace + DRAIN_MS, finish);
  });
}

/** Runs `file` with `args` (no shell unless `file` is one) as described at the top of this file. */
export function runDetached(file: string, args: readonly string[], opts: RunDetachedOptions, command: string): Promise<ProcessRun> {
  const state = new ProcessState(command, opts.maxOutputBytes ?? DEFAULT_OUTPUT_CAP);
  return new Promise<ProcessRun>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void): void => {
      timers.push(setTimeout(fn, ms));
    };
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      if (pid !== undefined) untrackGroup(pid);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(state.result());
    };
    watchProcess(child, state, later, finish);
    if (pid === undefined) return;
    trackGroup(pid);
    armTimeout(pid, state, opts, later, finish);
  });
}
