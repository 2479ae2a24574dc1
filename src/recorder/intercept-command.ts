/**
 * Runs the user's command for `oac record --intercept`: exactly the argv given (no shell, nothing
 * appended), in its own process group with stdin at EOF and its output captured (capped), so that it can
 * be killed as a whole: when it exits (whatever it left running), when it outlives the timeout, and when
 * `oac` itself exits or is interrupted (Ctrl-C), through the same exit hooks that remove the run's folder.
 * It runs asynchronously: the intercept proxy it talks to lives in this process.
 */
import { spawn } from 'node:child_process';
import { atExit } from '../exit-hooks.js';

export interface CommandRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the command could not be started at all (ENOENT, EACCES…): no process ran. */
  spawnError?: string;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  /** Bytes kept of stdout and of stderr each (default 256 KiB). */
  maxOutputBytes?: number;
}

const DEFAULT_OUTPUT_CAP = 256 * 1024;
/** After the command exited, how long its pipes may stay open (a grandchild that left the group). */
const DRAIN_MS = 2_000;

/** Signals the whole process group; a group that is already gone is what we wanted. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

class Capped {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runCommand(argv: readonly string[], opts: RunCommandOptions): Promise<CommandRun> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.resolve({ exitCode: null, signal: null, timedOut: false, spawnError: 'no command given', stdout: '', stderr: '' });
  const cap = opts.maxOutputBytes ?? DEFAULT_OUTPUT_CAP;
  const stdout = new Capped(cap);
  const stderr = new Capped(cap);
  return new Promise<CommandRun>((resolve) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    const timers: NodeJS.Timeout[] = [];
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let timedOut = false;
    let spawnError: string | undefined;
    let done = false;
    const forget = pid === undefined ? () => undefined : atExit(() => killGroup(pid, 'SIGKILL'));
    const finish = (): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      forget();
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ exitCode, signal, timedOut, ...(spawnError === undefined ? {} : { spawnError }), stdout: stdout.text(), stderr: stderr.text() });
    };
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => {
      // Without a pid nothing started (ENOENT, EACCES): 'exit' will not come.
      if (pid === undefined) {
        spawnError = err.message;
        finish();
      }
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      signal = sig;
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      timers.push(setTimeout(finish, DRAIN_MS));
    });
    child.on('close', () => {
      if (pid !== undefined) finish();
    });
    if (pid === undefined) return;
    timers.push(setTimeout(() => {
      timedOut = true;
      killGroup(pid, 'SIGKILL');
    }, opts.timeoutMs));
  });
}
