/**
 * Which commit of the client was checked: `git rev-parse HEAD` and `git status --porcelain` in the client's
 * working directory. Asynchronous (the harness may be serving a scenario meanwhile) and never fatal: a
 * folder that is not a git repository, or a machine without git, is stated as such in the evidence.
 */
import { execFile } from 'node:child_process';

export type GitState =
  | { kind: 'repository'; commit: string; dirty: boolean; changedPaths: number }
  /** Inside a repository that has no commit yet. */
  | { kind: 'no-commit'; dirty: boolean; changedPaths: number }
  | { kind: 'not-a-repository' }
  | { kind: 'git-unavailable'; reason: string };

interface GitRun {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

function git(args: string[], cwd: string): Promise<GitRun> {
  return new Promise((resolvePromise) => {
    // GIT_OPTIONAL_LOCKS=0: `git status` must not take the index lock of the user's repository.
    const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
    execFile('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        resolvePromise({ code: null, stdout, stderr, spawnError: `${(err as NodeJS.ErrnoException).code}: ${err.message}` });
        return;
      }
      resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The state of the git work tree containing `cwd`. */
export async function collectGitState(cwd: string): Promise<GitState> {
  const inside = await git(['rev-parse', '--is-inside-work-tree'], cwd);
  if (inside.spawnError !== undefined) return { kind: 'git-unavailable', reason: inside.spawnError };
  if (inside.code !== 0 || inside.stdout.trim() !== 'true') return { kind: 'not-a-repository' };
  const [head, status] = await Promise.all([git(['rev-parse', '--verify', '--quiet', 'HEAD'], cwd), git(['status', '--porcelain'], cwd)]);
  if (status.code !== 0) return { kind: 'git-unavailable', reason: `git status --porcelain failed: ${status.stderr.trim() || `exit ${status.code}`}` };
  const changedPaths = status.stdout.split('\n').filter((line) => line !== '').length;
  if (head.code !== 0) return { kind: 'no-commit', dirty: changedPaths > 0, changedPaths };
  return { kind: 'repository', commit: head.stdout.trim(), dirty: changedPaths > 0, changedPaths };
}
