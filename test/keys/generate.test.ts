/**
 * generateOllamaKey writes what Ollama's initializeKeypair writes (docs/protocol.md §5), checked with
 * ssh-keygen as the independent reader, and never overwrites anything.
 */
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { generateOllamaKey } from '../../src/keys/generate.js';
import { loadOllamaKey } from '../../src/keys/load.js';
import { TEST_SEED } from '../../src/keys/test-seed.js';
import { expectKeyError, loadVectors, sshKeygen, tempDir } from './support.js';

const vectors = loadVectors();
const tmp = tempDir();
let n = 0;
function newHome(): string {
  const home = tmp.file(`home-${n++}`);
  mkdirSync(home);
  return home;
}

// Modes are given at creation, so the umask applies (as to Go's os.WriteFile); pin the usual 022.
let savedUmask: number;
beforeAll(() => {
  savedUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(savedUmask);
  tmp.cleanup();
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe('files as initializeKeypair writes them (keys/generate-modes)', () => {
  test('paths, modes 0755 / 0600 / 0644, and created: true', () => {
    const home = newHome();
    const result = generateOllamaKey({ home });
    expect(result.created).toBe(true);
    expect(result.privatePath).toBe(path.join(home, '.ollama', 'id_ed25519'));
    expect(result.publicPath).toBe(path.join(home, '.ollama', 'id_ed25519.pub'));
    expect(result.key.path).toBe(result.privatePath);
    expect(mode(path.join(home, '.ollama'))).toBe(0o755);
    expect(mode(result.privatePath)).toBe(0o600);
    expect(mode(result.publicPath)).toBe(0o644);
  });

  test('.pub is 81 bytes "ssh-ed25519 <68 chars>\\n" with no comment', () => {
    const { publicPath, key } = generateOllamaKey({ home: newHome() });
    const pub = readFileSync(publicPath);
    expect(pub).toHaveLength(81);
    expect(pub.toString()).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}\n$/);
    expect(pub.toString()).toBe(`${key.authorizedKeyLine}\n`);
  });

  test('ssh-keygen -y reads the private key and gives the same line as the .pub', () => {
    const { privatePath, publicPath } = generateOllamaKey({ home: newHome() });
    expect(`${sshKeygen(['-y', '-f', privatePath]).trim()}\n`).toBe(readFileSync(publicPath, 'utf8'));
  });

  test('private key armour: Go pem.EncodeToMemory (64 columns, trailing newline)', () => {
    const { privatePath } = generateOllamaKey({ home: newHome() });
    const lines = readFileSync(privatePath, 'utf8').split('\n');
    expect(lines[0]).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(lines.slice(-2)).toEqual(['-----END OPENSSH PRIVATE KEY-----', '']);
    expect(lines.slice(1, -3).every((l) => l.length === 64)).toBe(true);
  });

  test('fixed seed: the golden key, byte-identical files on every run', () => {
    const a = generateOllamaKey({ home: newHome(), seed: TEST_SEED });
    const b = generateOllamaKey({ home: newHome(), seed: new Uint8Array(TEST_SEED) });
    expect(readFileSync(a.privatePath)).toEqual(readFileSync(b.privatePath));
    expect(readFileSync(a.publicPath, 'utf8')).toBe(vectors.key.id_ed25519_pub_contents);
    expect(readFileSync(b.publicPath, 'utf8')).toBe(vectors.key.id_ed25519_pub_contents);
    expect(loadOllamaKey(a.privatePath).publicKeyField).toBe(vectors.key.pubkey_field);
  });

  test('random keys differ (seed and check int from node:crypto)', () => {
    const a = generateOllamaKey({ home: newHome() });
    const b = generateOllamaKey({ home: newHome() });
    expect(a.key.publicKeyField).not.toBe(b.key.publicKeyField);
  });

  test('an existing ~/.ollama is used as is', () => {
    const home = newHome();
    mkdirSync(path.join(home, '.ollama'), { mode: 0o700 });
    const { privatePath } = generateOllamaKey({ home });
    expect(existsSync(privatePath)).toBe(true);
    expect(mode(path.join(home, '.ollama'))).toBe(0o700);
  });
});

describe('never overwrites (keys/no-overwrite)', () => {
  test('an existing private key: key/exists naming it, contents unchanged, no .pub written', () => {
    const home = newHome();
    const dir = path.join(home, '.ollama');
    mkdirSync(dir);
    const priv = path.join(dir, 'id_ed25519');
    writeFileSync(priv, 'precious');
    expectKeyError(() => generateOllamaKey({ home }), 'key/exists', priv, 'refusing to overwrite');
    expect(readFileSync(priv, 'utf8')).toBe('precious');
    expect(existsSync(`${priv}.pub`)).toBe(false);
  });

  test('a second run over a generated key changes nothing', () => {
    const home = newHome();
    const first = generateOllamaKey({ home });
    const before = [readFileSync(first.privatePath), readFileSync(first.publicPath)];
    expectKeyError(() => generateOllamaKey({ home, seed: TEST_SEED }), 'key/exists', first.privatePath);
    expect([readFileSync(first.privatePath), readFileSync(first.publicPath)]).toEqual(before);
  });

  test('a stray .pub without private key: key/exists naming the .pub, nothing written', () => {
    const home = newHome();
    const dir = path.join(home, '.ollama');
    mkdirSync(dir);
    const pub = path.join(dir, 'id_ed25519.pub');
    writeFileSync(pub, 'old pub\n');
    expectKeyError(() => generateOllamaKey({ home }), 'key/exists', pub);
    expect(readFileSync(pub, 'utf8')).toBe('old pub\n');
    expect(existsSync(path.join(dir, 'id_ed25519'))).toBe(false);
  });

  test('a dangling symlink at the key path counts as existing (nothing written through it)', () => {
    const home = newHome();
    const dir = path.join(home, '.ollama');
    mkdirSync(dir);
    const target = path.join(home, 'elsewhere');
    symlinkSync(target, path.join(dir, 'id_ed25519'));
    expectKeyError(() => generateOllamaKey({ home }), 'key/exists', path.join(dir, 'id_ed25519'));
    expect(existsSync(target)).toBe(false);
  });
});

describe('write failures', () => {
  test('home is a file: key/unwritable naming the directory', () => {
    const home = tmp.file(`file-home-${n++}`);
    writeFileSync(home, '');
    expectKeyError(() => generateOllamaKey({ home }), 'key/unwritable', path.join(home, '.ollama'));
  });
});
