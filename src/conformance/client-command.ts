/**
 * Before any scenario runs, make sure the client command names a program the shell can start. A typo in
 * `--client` would otherwise run every scenario against `/bin/sh: 1: foo: not found` (exit 127): the
 * "must fail" scenarios pass and the golden ones fail, which reads like a verdict on a client that never
 * ran. Detected once, it is a harness-side error with one line that says what to fix.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { HarnessError } from '../errors.js';

/**
 * The program word of a simple shell command: the first word after any `NAME=value` assignments, with
 * quotes and backslashes removed as sh would. `undefined` when the command is not a simple command
 * (a subshell, a pipeline start, an expansion): then only running it can tell, and we do not guess.
 */
export function programWord(command: string): string | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      const end = command.indexOf('"', i + 1);
      if (end < 0) return undefined;
      const inner = command.slice(i + 1, end);
      if (/[$`\\]/.test(inner)) return undefined;
      word += inner;
      inWord = true;
      i = end;
    } else if (c === '\\') {
      if (i + 1 >= command.length) return undefined;
      word += command[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      if (words.length > 0 && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(words.at(-1)!)) break;
    } else if ('$`;&|()<>{}\n*?['.includes(c)) {
      return undefined;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
}

function shellCanFind(word: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'command -v -- "$1" >/dev/null 2>&1', 'sh', word], { env, stdio: 'ignore' });
    child.on('error', (err) => reject(new HarnessError('check/shell', `cannot run /bin/sh to look up the client command: ${err.message}`, { cause: err })));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** Throws `check/client-not-found` (or `check/client-not-executable`) when the command cannot start. */
export async function assertClientCommandExists(command: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (command.trim() === '') throw new HarnessError('check/client-not-found', 'client command not found: the command is empty (give --client)');
  const word = programWord(command);
  if (word === undefined) return;
  if (word.includes('/')) {
    let isFile: boolean;
    try {
      isFile = statSync(word).isFile();
    } catch (err) {
      throw new HarnessError('check/client-not-found', `client command not found: ${word} (${(err as NodeJS.ErrnoException).code ?? 'stat failed'}; the command was: ${command})`, { cause: err });
    }
    try {
      accessSync(word, constants.X_OK);
    } catch {
      // access(2) refusing X_OK is the answer we asked for, not a failure to hide.
      throw new HarnessError('check/client-not-executable', `client command is not executable: ${word} (chmod +x it, or run it through its interpreter; the command was: ${command})`);
    }
    if (!isFile) throw new HarnessError('check/client-not-executable', `client command is not executable: ${word} is not a file (the command was: ${command})`);
    return;
  }
  if (!(await shellCanFind(word, env))) {
    throw new HarnessError('check/client-not-found', `client command not found: ${word} (the shell finds no such program on PATH; the command was: ${command})`);
  }
}
