/**
 * A clone stands on its own: no tracked file refers to something beside the repository (a sibling
 * folder, an absolute path of the machine it was written on), and every relative link in the Markdown
 * documents resolves inside the clone. A reference that only works on the author's machine is how a
 * test suite ends up green there and red on every fresh clone.
 */
import { expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const tracked = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter((f) => f !== '' && existsSync(f));

function textOf(file: string): string | undefined {
  const bytes = readFileSync(file);
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}

// Built from parts so that this file does not match its own patterns.
const SIBLING = ['..', 'shared'].join('/');
const MACHINE_PATHS = new RegExp(`(^|[\\s"'\`(=:])/(${['work', 'root'].join('|')})/[A-Za-z0-9._-]`, 'm');

test('no tracked file refers to a sibling folder or an absolute machine path', () => {
  const offenders: string[] = [];
  for (const file of tracked) {
    if (file === 'package-lock.json') continue; // npm's own file: registry URLs only
    const text = textOf(file);
    if (text === undefined) continue;
    text.split('\n').forEach((line, i) => {
      if (line.includes(SIBLING) || MACHINE_PATHS.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  expect(offenders).toEqual([]);
});

test('every relative link in the Markdown documents resolves inside the repository', () => {
  const broken: string[] = [];
  for (const file of tracked.filter((f) => f.endsWith('.md'))) {
    const text = textOf(file) ?? '';
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!.split('#')[0]!;
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // an anchor or a URL
      const resolved = normalize(join(dirname(file), decodeURIComponent(target)));
      if (resolved.startsWith('..') || !existsSync(resolved)) broken.push(`${file}: ${match[1]}`);
    }
  }
  expect(broken).toEqual([]);
});
