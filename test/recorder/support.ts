/**
 * Shared by the recorder suites: temp directories, emulators on loopback reached under stable names,
 * fresh keys and credentials made at test time (no secret-shaped literal lives in the repository), and
 * running the `oac record` command module in-process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, jest } from '@jest/globals';
import yargs from 'yargs';
import { recordCommand } from '../../src/cli/record.js';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { OacError } from '../../src/errors.js';
import { keyFromSeed, type OllamaKey } from '../../src/keys/index.js';
import type { Cassette } from '../../src/recorder/index.js';

export const VECTOR_MS = 1_700_000_000_000;

const made: string[] = [];
// Every suite that imports this file removes its temp directories when it ends (npm test counts $TMPDIR).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `oac-recorder-${label}-`));
  made.push(dir);
  return dir;
}

export function freshKey(): OllamaKey {
  return keyFromSeed(randomBytes(32));
}

/** A credential-looking random string (letters and digits), built at run time. */
export function randomToken(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export interface StartedEmulator {
  emulator: Emulator;
  port: number;
  origin: string;
}

export async function startEmulator(options: EmulatorOptions): Promise<StartedEmulator> {
  const emulator = createEmulator(options);
  const { port } = await emulator.start();
  return { emulator, port, origin: `http://127.0.0.1:${port}` };
}

export function readCassette(path: string): Cassette {
  return JSON.parse(readFileSync(path, 'utf8')) as Cassette;
}

export interface CliRun {
  stdout: string;
  error: unknown;
}

/** `oac record …` through the command module as yargs parses it (the lead wires it into the CLI). */
export async function runRecordCli(args: string[], env?: Record<string, string | undefined>): Promise<CliRun> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let error: unknown;
  try {
    await yargs(args)
      .command(recordCommand)
      .strict()
      .exitProcess(false)
      .fail((message, err) => {
        throw err ?? new OacError('cli/usage', message);
      })
      .parseAsync();
  } catch (err) {
    error = err;
  } finally {
    spy.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { stdout: lines.join(''), error };
}

/** The error's code and message, for one `toEqual`/`toMatchObject`. */
export function codeOf(err: unknown): string | undefined {
  return err instanceof OacError ? err.code : undefined;
}

/** Asserts that none of `secrets` occurs in `text` (each reported by label, never by value). */
export function expectAbsent(text: string, secrets: Record<string, string>): void {
  const present = Object.entries(secrets).filter(([, v]) => v !== '' && text.includes(v)).map(([label]) => label);
  expect(present).toEqual([]);
}
