/**
 * The client under test, as a process: a fresh HOME holding the key a scenario asks for, the environment
 * of exec contract v1, and one run of `<command> <action> <target>` through /bin/sh, judged later from
 * the ClientRun this returns.
 *
 * Everything here is asynchronous on purpose: the conformance server answers the client from this same
 * Node process, so a synchronous wait (execFileSync, spawnSync) would stop the server while the client
 * waits for it, and both would hang until the timeout.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { runDetached, type RunDetachedOptions } from '../child-process.js';
import { encodeOpenSshPrivateKey, ollamaKeyFiles, OLLAMA_DIR, PRIVATE_KEY_NAME, publicKeyFromSeed, writeOllamaKeyFiles, type OllamaKeyFiles } from '../keys/index.js';
import type { ClientRun, ClientSetup, ExecAction } from './types.js';

// ---------------------------------------------------------------------------------------------------
// HOME

export interface PreparedHome {
  /** The temporary directory the client gets as HOME (and USERPROFILE). */
  home: string;
  /** `<home>/.ollama/id_ed25519`, whether or not the scenario put a file there. */
  keyPath: string;
  /**
   * Removes the directory (kept, with a note on stderr, when OAC_KEEP_TMP=1), off the event loop: the
   * conformance servers of other scenarios answer from this thread meanwhile. Safe to call twice.
   */
  cleanup(): Promise<void>;
}

export interface PrepareHomeOptions {
  /** The seed of the key the conformance server knows (its authorized key). */
  registeredSeed: Uint8Array;
  /** Where the temporary home is created (default: the OS temp dir). */
  tmpRoot?: string;
  /** Keep the directory for inspection (default: OAC_KEEP_TMP=1 in this process's environment). */
  keep?: boolean;
  /** Where the "kept" note goes (default process.stderr). */
  log?: { write(text: string): unknown };
  /**
   * The run's ssh-keygen key files (createSpecialKeys), copied into the home instead of running
   * ssh-keygen for every home. Without it, each `passphrase` / `unsupported-type` home runs ssh-keygen.
   */
  specialKeys?: SpecialKeys;
  /**
   * The run's `present` and `unregistered` key files (homeKeyFiles), written into each home instead of
   * deriving the same public key again for every scenario. Without it, each home derives its own.
   */
  keyFiles?: HomeKeyFiles;
}

/** The Ed25519 key files a run writes into its homes, each derived once. */
export interface HomeKeyFiles {
  /** The key the conformance server knows (from the run's registered seed). */
  readonly registered: OllamaKeyFiles;
  /** A valid key the server has never seen: one per run is as unknown as one per home. */
  unregistered(): OllamaKeyFiles;
}

/** The registered key's files as made, and an unregistered key made on first use. */
export function homeKeyFiles(registered: OllamaKeyFiles): HomeKeyFiles {
  let unregistered: OllamaKeyFiles | undefined;
  return {
    registered,
    unregistered: () => (unregistered ??= ollamaKeyFiles()),
  };
}

const SSH_KEYGEN = 'ssh-keygen';
/** ssh-keygen's passphrase for `passphrase` homes: it only has to exist, the client must never guess it. */
export const TEST_PASSPHRASE = 'secret';

function runSshKeygen(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(SSH_KEYGEN, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) {
        resolve();
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'ssh-keygen is not installed (Debian package openssh-client)' : (String(stderr).trim() || err.message);
      reject(new HarnessError('subject/ssh-keygen', `ssh-keygen ${args.join(' ')} failed: ${why}`, { cause: err }));
    });
  });
}

/**
 * A PEM that starts like an OpenSSH key and stops half-way (no END line): what a copy cut short looks
 * like. Made from a throwaway seed, so no byte of the registered key is ever in it.
 */
function truncatedOpenSshPem(): string {
  const seed = new Uint8Array(randomBytes(32));
  const pem = encodeOpenSshPrivateKey(seed, publicKeyFromSeed(seed));
  const lines = pem.split('\n');
  return `${lines.slice(0, 3).join('\n')}\n`;
}

/** The key setups only ssh-keygen can make: an encrypted ed25519 key and an RSA key. */
export type SpecialKeyKind = 'passphrase' | 'unsupported-type';
const SPECIAL_KEY_KINDS: readonly SpecialKeyKind[] = ['passphrase', 'unsupported-type'];

function isSpecialKeyKind(setup: ClientSetup['key']): setup is SpecialKeyKind {
  return (SPECIAL_KEY_KINDS as readonly string[]).includes(setup);
}

/** The kinds a list of scenarios will ask for: what a run should start making before its first scenario. */
export function specialKeyKinds(scenarios: readonly { client: ClientSetup }[]): SpecialKeyKind[] {
  return SPECIAL_KEY_KINDS.filter((kind) => scenarios.some((s) => s.client.key === kind));
}

/** ssh-keygen's arguments for each special key, written to `keyPath` (and `keyPath.pub`). */
function sshKeygenArgs(kind: SpecialKeyKind, keyPath: string): string[] {
  return kind === 'passphrase'
    ? ['-q', '-t', 'ed25519', '-N', TEST_PASSPHRASE, '-C', 'oac passphrase test key', '-f', keyPath]
    // 2048 bits: the type is what matters, and a bigger key only makes every run slower.
    : ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'oac rsa test key', '-f', keyPath];
}

/**
 * The special key files of one run, each made once by ssh-keygen (asynchronously, in its own process)
 * and copied into every home that asks for it: one RSA key generation per run instead of one per
 * scenario. No registered key is among them: a client must refuse both, whatever their bytes.
 */
export interface SpecialKeys {
  /** The path of the made private key (`.pub` beside it); starts making it if nobody has yet. */
  file(kind: SpecialKeyKind): Promise<string>;
}

/**
 * Special keys made in `dir` (which the caller owns and removes, e.g. a run workspace sub-folder). The
 * kinds in `start` begin now, so they are ready before the first scenario needs them; any other kind
 * is made on its first use.
 */
export function createSpecialKeys(dir: string, start: readonly SpecialKeyKind[] = []): SpecialKeys {
  const made = new Map<SpecialKeyKind, Promise<string>>();
  const file = (kind: SpecialKeyKind): Promise<string> => {
    let pending = made.get(kind);
    if (pending === undefined) {
      const keyPath = path.join(dir, kind === 'passphrase' ? 'id_ed25519_passphrase' : 'id_rsa');
      pending = runSshKeygen(sshKeygenArgs(kind, keyPath)).then(() => keyPath);
      made.set(kind, pending);
    }
    return pending;
  };
  for (const kind of start) {
    // Started ahead of need: if ssh-keygen fails, the scenario that awaits file() reports it. Until
    // one does, the rejection is observed here so that Node does not end the run as "unhandled".
    file(kind).catch(() => undefined);
  }
  return { file };
}

/** Copies a made special key (and its .pub) to `keyPath`, with the modes ssh-keygen gives them. */
async function copySpecialKey(from: string, keyPath: string): Promise<void> {
  await copyFile(from, keyPath, fsConstants.COPYFILE_EXCL);
  await chmod(keyPath, 0o600);
  await copyFile(`${from}.pub`, `${keyPath}.pub`, fsConstants.COPYFILE_EXCL);
  await chmod(`${keyPath}.pub`, 0o644);
}

async function writeSpecialKey(kind: SpecialKeyKind, keyPath: string, specialKeys: SpecialKeys | undefined): Promise<void> {
  mkdirSync(path.dirname(keyPath), { recursive: true, mode: 0o755 });
  if (specialKeys === undefined) {
    await runSshKeygen(sshKeygenArgs(kind, keyPath));
    return;
  }
  await copySpecialKey(await specialKeys.file(kind), keyPath);
}

async function writeKey(setup: ClientSetup['key'], home: string, keyPath: string, opts: PrepareHomeOptions): Promise<void> {
  if (isSpecialKeyKind(setup)) {
    await writeSpecialKey(setup, keyPath, opts.specialKeys);
    return;
  }
  const dir = path.join(home, OLLAMA_DIR);
  switch (setup) {
    case 'missing':
      return;
    case 'present':
      writeOllamaKeyFiles(home, opts.keyFiles?.registered ?? ollamaKeyFiles(opts.registeredSeed));
      return;
    case 'unregistered':
      // A valid key, written exactly like the registered one, that the server has never seen.
      writeOllamaKeyFiles(home, opts.keyFiles?.unregistered() ?? ollamaKeyFiles());
      return;
    case 'empty':
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      writeFileSync(keyPath, '', { mode: 0o600, flag: 'wx' });
      return;
    case 'corrupt':
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      writeFileSync(keyPath, truncatedOpenSshPem(), { mode: 0o600, flag: 'wx' });
      return;
    default: {
      const never: never = setup;
      throw new HarnessError('subject/bad-setup', `unknown client key setup ${JSON.stringify(never)}`);
    }
  }
}

/**
 * A fresh temporary HOME with `.ollama/id_ed25519` as the scenario's `client.key` says. Asynchronous
 * because ssh-keygen makes the passphrase and RSA keys (see the file comment).
 */
export async function prepareHome(setup: ClientSetup, opts: PrepareHomeOptions): Promise<PreparedHome> {
  if (opts.registeredSeed.length !== 32) {
    throw new HarnessError('subject/bad-seed', `registeredSeed must be 32 bytes, got ${opts.registeredSeed.length}`);
  }
  const root = opts.tmpRoot ?? tmpdir();
  let home: string;
  try {
    home = mkdtempSync(path.join(root, 'oac-home-'));
  } catch (err) {
    throw new HarnessError('subject/tmp', `cannot create a temporary HOME under ${root}: ${(err as Error).message}`, { cause: err });
  }
  const keyPath = path.join(home, OLLAMA_DIR, PRIVATE_KEY_NAME);
  const keep = opts.keep ?? process.env['OAC_KEEP_TMP'] === '1';
  const log = opts.log ?? process.stderr;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaned ??= keep
      ? Promise.resolve().then(() => {
        log.write(`oac: kept client HOME ${home} (OAC_KEEP_TMP=1)\n`);
      })
      : rm(home, { recursive: true, force: true }).catch((err: unknown) => {
        throw new HarnessError('subject/tmp', `cannot remove the temporary HOME ${home}: ${(err as Error).message}`, { cause: err });
      });
    return cleaned;
  };
  try {
    await writeKey(setup.key, home, keyPath, opts);
  } catch (err) {
    // A half-made home is of no use to anyone; remove it unless asked to keep it. The error that
    // matters is the one being thrown; a failed removal is still said, not swallowed.
    await cleanup().catch((removal: unknown) => log.write(`oac: ${(removal as Error).message}\n`));
    throw err;
  }
  return { home, keyPath, cleanup };
}

// ---------------------------------------------------------------------------------------------------
// Environment

export const EXEC_CONTRACT = 'oac-exec/1';

/** The variables of the README's exec contract that name the test CA bundle. */
export const CA_VARIABLES = ['OAC_CA_FILE', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] as const;

/**
 * http_proxy, HTTPS_PROXY, all_proxy, no_proxy in any case, and every other variable that ends in
 * "proxy" (npm_config_proxy, GLOBAL_AGENT_HTTP_PROXY, …): loopback traffic must reach the harness directly.
 */
const PROXY_VARIABLE = /proxy$/i;
/**
 * Inherited trust settings are removed too (SSL_CERT_DIR as well): a scenario that gives no CA must
 * mean that the client was given none, whatever the shell running `oac check` had set.
 */
const TRUST_VARIABLE = new Set([...CA_VARIABLES, 'SSL_CERT_DIR']);
/** Set by the scenario (or deliberately absent), never inherited from the person running the harness. */
const OWNED_PREFIX = /^(OLLAMA_|OAC_)/;

/** The actions whose clients must sign for a host that is not ollama.com (DIR-06). */
const SIGNING_ACTIONS: ReadonlySet<ExecAction> = new Set(['cloud-tags', 'cloud-whoami']);

export interface ClientEnvironmentOptions {
  home: string;
  action: ExecAction;
  /** OLLAMA_API_KEY; given as '' it is set to the empty string (the `empty` setup). Absent: unset. */
  apiKey?: string;
  /** Path of the PEM CA bundle the client must trust. */
  caFile?: string;
  /** Paths of the PEM client certificate and its key (mTLS). */
  clientCert?: { cert: string; key: string };
  /** The scenario id, as OAC_SCENARIO, for the client's own logs. */
  scenario?: string;
}

export function clientEnvironment(base: NodeJS.ProcessEnv, opts: ClientEnvironmentOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (PROXY_VARIABLE.test(name) || OWNED_PREFIX.test(name) || TRUST_VARIABLE.has(name)) continue;
    env[name] = value;
  }
  env['HOME'] = opts.home;
  env['USERPROFILE'] = opts.home;
  env['OAC_CONTRACT'] = EXEC_CONTRACT;
  env['OAC_ACTION'] = opts.action;
  if (opts.scenario !== undefined) env['OAC_SCENARIO'] = opts.scenario;
  if (opts.apiKey !== undefined) env['OLLAMA_API_KEY'] = opts.apiKey;
  if (SIGNING_ACTIONS.has(opts.action)) env['OLLAMA_AUTH'] = '1';
  if (opts.caFile !== undefined) {
    for (const name of CA_VARIABLES) env[name] = opts.caFile;
  }
  if (opts.clientCert !== undefined) {
    env['OAC_CLIENT_CERT'] = opts.clientCert.cert;
    env['OAC_CLIENT_KEY'] = opts.clientCert.key;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------
// Running the client

/** POSIX single-quoting: the shell passes the string through byte for byte, whatever it contains. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new HarnessError('subject/nul-argument', 'an argument cannot contain a NUL byte (the OS cannot pass it)');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Options of runClient / runCommandLine: those of runDetached, and the shell (exec contract: /bin/sh). */
export interface RunClientOptions extends Omit<RunDetachedOptions, 'env'> {
  /** Default /bin/sh. */
  shell?: string;
}

/**
 * Runs `<command> '<action>' '<target>'` through the shell (src/child-process.ts: its own process group,
 * stdin at EOF, output capped, killed on timeout and with whatever it left running).
 */
export function runClient(command: string, action: string, target: string, env: NodeJS.ProcessEnv, opts: RunClientOptions): Promise<ClientRun> {
  return runCommandLine(`${command} ${shellQuote(action)} ${shellQuote(target)}`, env, opts);
}

/** The same, for a command line run exactly as given (intercept mode appends no arguments). */
export async function runCommandLine(line: string, env: NodeJS.ProcessEnv, opts: RunClientOptions): Promise<ClientRun> {
  const shell = opts.shell ?? '/bin/sh';
  const run = await runDetached(shell, ['-c', line], { ...opts, env }, line);
  if (run.spawnError !== undefined) {
    // No process at all (ENOENT of the shell, a cwd that does not exist…): a harness problem, said with what was tried.
    run.spawnError = `cannot start ${shell} -c ${JSON.stringify(line)}${opts.cwd === undefined ? '' : ` in ${opts.cwd}`}: ${run.spawnError}`;
  }
  return run;
}
