/**
 * Each `oac` command loads only what it needs: `oac client` (started once per scenario by `oac check`)
 * loads neither yargs nor any other command; `oac --help` loads no command module; `oac <command>`
 * loads that command's module and not the others (the emulator, the recorder with Polly.js, the
 * probe…). Observed for real: the built CLI runs with a module-resolution hook (`node --import`) that
 * logs every module it loads.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { commands, selectedCommand } from '../../src/cli/commands.js';
import { CLI } from '../helpers/cli.js';
import { createModuleLog } from '../startup/module-log.js';

const moduleLog = createModuleLog();
afterAll(() => moduleLog.remove());

/** Runs the built CLI and returns the package-relative paths of the modules it loaded. */
function modulesLoadedBy(args: string[]): { loaded: string[]; status: number | null; stderr: string } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const { loaded, status, stderr } = moduleLog.run([CLI, ...args]);
  return { loaded, status, stderr };
}

/** Polly.js (recording only), @peculiar/x509 (certificates, made when a TLS scenario needs them), ajv's compiler. */
const HEAVY = [/node_modules\/@pollyjs\//, /node_modules\/@peculiar\//, /node_modules\/ajv\/dist\/compile\//];
/** The emulator, the recorder and the probe: what the commands that are not about them must not load. */
const OTHER_SUBSYSTEMS = [/^dist\/emulator\/(?!tls-cert)/, /^dist\/recorder\//, /^dist\/probe\//];

describe('oac client (started once per scenario by oac check)', () => {
  test('loads neither yargs nor the command list nor anything heavy', () => {
    const { loaded, status, stderr } = modulesLoadedBy(['client', 'no-such-action', 'http://127.0.0.1:9']);
    expect({ status, stderr }).toEqual({ status: 3, stderr: 'oac client: unsupported action no-such-action (this client implements registry-manifest, cloud-tags, cloud-whoami, apikey-tags, basic-tags)\n' });
    expect(loaded).toContain('dist/cli/client.js');
    expect(loaded.filter((m) => /node_modules\/(yargs|ajv)\//.test(m) || m === 'dist/cli/commands.js' || [...HEAVY, ...OTHER_SUBSYSTEMS].some((h) => h.test(m)))).toEqual([]);
  });
});

describe('oac --help and oac <command> --help', () => {
  test('oac --help lists every command and loads no command module', () => {
    const { loaded, status } = modulesLoadedBy(['--help']);
    expect(status).toBe(0);
    expect(loaded).toContain('dist/cli/commands.js');
    const commandModules = loaded.filter((m) => /^dist\/cli\//.test(m) && !['dist/cli/main.js', 'dist/cli/commands.js'].includes(m));
    expect(commandModules).toEqual([]);
  });

  // `check` serves scenarios from the emulator's answers and the recorder's cassettes, and `specs lint`
  // checks cassettes: they need those (not Polly.js, which only records); the others need none of it.
  test.each([
    ['check', 'dist/cli/check.js', [...HEAVY, /^dist\/probe\//]],
    ['keygen', 'dist/cli/keygen.js', [...HEAVY, ...OTHER_SUBSYSTEMS]],
    ['sign', 'dist/cli/sign.js', [...HEAVY, ...OTHER_SUBSYSTEMS]],
    ['specs', 'dist/cli/specs-lint.js', HEAVY],
  ])('oac %s --help loads %s, no other command module and nothing heavy it does not use', (name, module, unneeded) => {
    const { loaded, status, stderr } = modulesLoadedBy([name, '--help']);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const others = commands.filter((c) => c.name !== name).map((c) => `dist/cli/${c.name === 'specs' ? 'specs-lint' : c.name}.js`);
    expect(loaded).toContain(module);
    expect(loaded.filter((m) => others.includes(m))).toEqual([]);
    expect(loaded.filter((m) => unneeded.some((h) => h.test(m)))).toEqual([]);
  });
});

describe('the command list', () => {
  test('says what each module says (usage line and description), in --help order', async () => {
    for (const c of commands) {
      const module = await c.load();
      expect({ command: c.command, describe: c.describe }).toEqual({ command: module.command, describe: module.describe });
    }
    expect(commands.map((c) => c.name)).toEqual(['check', 'probe', 'client', 'record', 'keygen', 'sign', 'emulate', 'specs', 'evidence', 'explain', 'report']);
  });

  test('the command is the first word that is not an option', () => {
    expect(selectedCommand(['--no-color', 'check', '--client', 'x'])?.name).toBe('check');
    expect(selectedCommand(['specs', 'lint'])?.name).toBe('specs');
    expect(selectedCommand(['--help'])).toBeUndefined();
    expect(selectedCommand(['chek'])).toBeUndefined();
  });
});
