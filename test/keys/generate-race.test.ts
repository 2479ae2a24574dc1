/**
 * The O_EXCL write, on its own: a key file that appears after generateOllamaKey's existence check (another
 * process racing it) must still not be overwritten. The race is simulated by making the check miss.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as realFs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, jest, test } from '@jest/globals';
import { expectKeyError, tempDir } from './support.js';

jest.unstable_mockModule('node:fs', () => ({
  ...realFs,
  // The check sees nothing, as if the file were created just after it ran.
  lstatSync: () => undefined,
}));
const { generateOllamaKey } = await import('../../src/keys/generate.js');

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test('a private key created after the check is not overwritten (flag wx)', () => {
  const dir = path.join(tmp.dir, '.ollama');
  mkdirSync(dir);
  const priv = path.join(dir, 'id_ed25519');
  writeFileSync(priv, 'raced in');
  expectKeyError(() => generateOllamaKey({ home: tmp.dir }), 'key/exists', priv);
  expect(readFileSync(priv, 'utf8')).toBe('raced in');
  expect(existsSync(`${priv}.pub`)).toBe(false);
});

test('a .pub created after the check is not overwritten, and the private key just written is removed again', () => {
  const home = path.join(tmp.dir, 'h2');
  const dir = path.join(home, '.ollama');
  mkdirSync(dir, { recursive: true });
  const pub = path.join(dir, 'id_ed25519.pub');
  writeFileSync(pub, 'raced in\n');
  expectKeyError(() => generateOllamaKey({ home }), 'key/exists', pub);
  expect(readFileSync(pub, 'utf8')).toBe('raced in\n');
  expect(existsSync(path.join(dir, 'id_ed25519'))).toBe(false);
});
