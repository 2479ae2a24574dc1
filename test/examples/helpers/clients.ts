/**
 * The three example clients (examples/go, examples/python, examples/shell) run exactly as the harness
 * runs a client under test: a separate process, `<command> <action> <target>`, a fresh HOME, and only
 * the environment the exec contract names. Always spawned asynchronously: the servers they talk to
 * live in this process, so a synchronous spawn would deadlock.
 */
import { runProcess } from '../../helpers/process.js';
import { resolve } from 'node:path';

export interface ExampleClient {
  name: 'go' | 'python' | 'shell';
  command: string;
  /** The shell client refuses RFC 9110 challenge forms beyond the standard quoted one (exit 3). */
  fullChallengeParser: boolean;
}

export const CLIENTS: ExampleClient[] = [
  { name: 'go', command: resolve('examples/go/run.sh'), fullChallengeParser: true },
  { name: 'python', command: resolve('examples/python/client.py'), fullChallengeParser: true },
  { name: 'shell', command: resolve('examples/shell/client.sh'), fullChallengeParser: false },
];

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  home: string;
  /** Added to the contract's environment (OLLAMA_API_KEY, OAC_CA_FILE, …). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The contract's environment: HOME, OLLAMA_AUTH=1, PATH; nothing else leaks in (no proxies, no keys). */
export function contractEnv(opts: RunOptions): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: opts.home,
    OLLAMA_AUTH: '1',
    ...(process.env['TMPDIR'] ? { TMPDIR: process.env['TMPDIR'] } : {}),
    ...opts.env,
  };
}

export async function runClient(client: ExampleClient, args: string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const run = await runProcess(client.command, args, { env: contractEnv(opts), timeoutMs: opts.timeoutMs ?? 60_000 });
  return { ...run, ms: Date.now() - started };
}
