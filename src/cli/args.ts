/**
 * Argument checks every command shares. Each problem is a usage error (exit 2) with one line that
 * names the flag or environment variable at fault, found before any work starts: a report folder
 * that cannot be written must not be discovered after a five-minute run.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OacError } from '../errors.js';

export function usage(message: string): OacError {
  return new OacError('cli/usage', message);
}

/**
 * yargs turns a repeated flag into an array; for a flag that takes one value, which one did the user
 * mean? We refuse instead of picking the last one silently.
 */
export function assertSingleValued(args: Record<string, unknown>, names: readonly string[], secret: ReadonlySet<string> = new Set()): void {
  for (const name of names) {
    const value = args[name];
    if (!Array.isArray(value)) continue;
    // A secret flag (a password, an API key) is named, never echoed.
    const shown = secret.has(name) ? '' : ` (${value.map((v) => JSON.stringify(v)).join(', ')})`;
    throw usage(`--${name} was given ${value.length} times${shown}: give it once`);
  }
}

/** The longest delay a Node.js timer holds (2^31-1 ms); a larger one fires at once. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * A whole-number setting from its flag, else its environment variable, else the default (that
 * precedence is documented in the README). The error names where the bad value came from.
 */
export function wholeNumberSetting(spec: { flag: string; value: unknown; env?: string; fallback: number; min: number; max?: number; unit?: string }): number {
  const fromEnv = spec.value === undefined && spec.env !== undefined ? process.env[spec.env] : undefined;
  const source = spec.value !== undefined ? `--${spec.flag}` : fromEnv !== undefined ? spec.env! : undefined;
  if (source === undefined) return spec.fallback;
  const raw = spec.value !== undefined ? spec.value : fromEnv;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (!Number.isSafeInteger(n) || n < spec.min) throw usage(`${source} must be a whole number ≥ ${spec.min}${unit}, got ${JSON.stringify(raw)}`);
  if (spec.max !== undefined && n > spec.max) throw usage(`${source} must be at most ${spec.max}${unit}, got ${n}`);
  return n;
}

/**
 * mkdir -p, one level at a time. Node's own `recursive: true` loops forever on some paths where mkdir
 * keeps answering ENOENT (under /proc, seen here), so the missing levels are made explicitly.
 */
function makeDirs(abs: string): void {
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    try {
      statSync(p);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
      missing.unshift(p);
    }
  }
  for (const p of missing) mkdirSync(p);
}

/**
 * Make sure `dir` is (or can become) a folder we can write into; returns its absolute path. Creates it
 * (like mkdir -p) and writes and removes a probe file, so a read-only mount or a path under /proc is
 * refused now rather than after the run.
 */
export function writableReportDir(dir: string, flag = 'report-dir'): string {
  const abs = resolve(dir);
  let exists = false;
  try {
    exists = true;
    if (!statSync(abs).isDirectory()) throw usage(`--${flag} ${dir} is a file, not a folder`);
  } catch (err) {
    if (err instanceof OacError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw usage(`--${flag} ${dir} cannot be used: ${(err as Error).message}`);
    exists = false;
  }
  const probe = join(abs, `.oac-write-test-${process.pid}`);
  try {
    if (!exists) makeDirs(abs);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw usage(`--${flag} ${dir} cannot be written: ${(err as Error).message}`);
  }
  return abs;
}
