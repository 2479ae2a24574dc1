/**
 * Which modules a Node process loads, observed for real: the process runs with `--import` of a module
 * that registers a resolve hook, and the hook appends every resolved URL to a file. Used to prove that a
 * command (or a step) does not load what it does not need.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ModuleLog {
  /** Runs `node <args>` with the hook; returns the package-relative paths loaded, in order, once each. */
  run(args: string[], opts?: { timeoutMs?: number }): { loaded: string[]; status: number | null; stdout: string; stderr: string };
  /** Removes the temporary folder of the hook and the logs. */
  remove(): void;
}

export function createModuleLog(): ModuleLog {
  const dir = mkdtempSync(path.join(tmpdir(), 'oac-module-log-'));
  const hooks = path.join(dir, 'hooks.mjs');
  // Hooks run on their own thread in Node 20: they append to the file named by the environment.
  writeFileSync(hooks, [
    "import { appendFileSync } from 'node:fs';",
    'export async function resolve(specifier, context, next) {',
    '  const resolved = await next(specifier, context);',
    "  appendFileSync(process.env.OAC_LOAD_LOG, resolved.url + '\\n');",
    '  return resolved;',
    '}',
  ].join('\n'));
  const register = path.join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  let runs = 0;
  return {
    run(args, opts = {}) {
      const log = path.join(dir, `log-${++runs}.txt`);
      writeFileSync(log, '');
      const child = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, ...args], {
        env: { ...process.env, OAC_LOAD_LOG: log, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000,
      });
      const root = pathToFileURL(path.resolve('.')).href;
      const loaded = [...new Set(readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith(`${root}/`)).map((u) => u.slice(root.length + 1)))];
      return { loaded, status: child.status, stdout: child.stdout, stderr: child.stderr };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
