/**
 * Every `oac` command, in the order `--help` lists them: its usage line and one-line description here,
 * its options and handler in its own module, imported only when that command runs.
 *
 * Why the split: importing every command module up front loaded the emulator, the recorder (Polly.js),
 * the probe and every report renderer before any command started (~0.4 s and ~30 MB for `oac check`
 * alone). yargs needs a command's builder only for the command that runs, and `oac --help` needs only the
 * usage lines, so main.ts peeks at the command name before building yargs and loads that one module
 * (see registerCommands there). test/cli/lazy-commands.test.ts checks that the lines below say what each
 * module says, so they cannot drift apart.
 *
 * Adding a command is one line below (and its module).
 */
import type { CommandModule } from 'yargs';

// yargs' CommandModule is generic over each command's own argument shape; the list erases it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

export interface LazyCommand {
  /** The word that selects the command (`oac <name> …`). */
  name: string;
  /** The usage line yargs shows (the module's `command`, positionals included). */
  command: string;
  describe: string;
  /** Imports the command's module; only the command that runs is loaded. */
  load(): Promise<AnyCommand>;
}

function lazy(command: string, describe: string, load: () => Promise<AnyCommand>): LazyCommand {
  return { name: command.split(' ')[0]!, command, describe, load };
}

export const commands: readonly LazyCommand[] = [
  lazy('check', 'Run the conformance scenarios against a client (any language) and judge it check by check', async () => (await import('./check.js')).checkCommand),
  lazy('probe [url]', 'Probe a deployed Ollama behind a proxy (nginx, Caddy): which route, method, credential or TLS hole is open', async () => (await import('./probe.js')).probeCommand),
  lazy('client <action> <target>', 'The reference client of exec contract v1: perform <action> against <target>, print the body (exit 0) or one error line (exit 1)', async () => (await import('./client.js')).clientCommand),
  lazy('record', 'Record one auth flow of the reference client into a redacted HAR cassette (Polly.js)', async () => (await import('./record.js')).recordCommand),
  lazy('keygen', 'Write an Ollama identity (.ollama/id_ed25519 + .pub) as `ollama serve` does; never overwrites', async () => (await import('./keygen.js')).keygenCommand),
  lazy('sign', 'Print, as JSON, exactly what a correct client must send (debugging aid for client authors)', async () => (await import('./sign.js')).signCommand),
  lazy('emulate', 'Run an offline stand-in for registry.ollama.ai and ollama.com that verifies signatures for real', async () => (await import('./emulate.js')).emulateCommand),
  lazy('specs <command>', 'Work with the protocol-as-data files (schemas, checks, vectors, scenarios)', async () => (await import('./specs-lint.js')).specsLintCommand),
  lazy('evidence <action> <dir>', 'Verify a pull-request evidence bundle written by oac check --evidence', async () => (await import('./evidence.js')).evidenceCommand),
  lazy('explain [check-id]', 'Show everything about one check: requirement, level, sources, the code, scenarios, vectors and mutants', async () => (await import('./explain.js')).explainCommand),
  lazy('report <results>', 'Render a saved results.json again: report.html, a Markdown summary (md) or JUnit XML', async () => (await import('./report.js')).reportCommand),
];

/** The command `argv` selects: its first word that is not an option (`oac --help` selects none). */
export function selectedCommand(argv: readonly string[]): LazyCommand | undefined {
  const word = argv.find((a) => !a.startsWith('-'));
  return commands.find((c) => c.name === word);
}

/**
 * What yargs is given: the selected command's full module, and for every other command only its usage
 * line and description, which is all `oac --help` and "did you mean" need. Such a stand-in never runs:
 * yargs runs the command named by the first word, which is the one loaded.
 */
export async function commandModules(argv: readonly string[]): Promise<AnyCommand[]> {
  const selected = selectedCommand(argv);
  const loaded = selected ? await selected.load() : undefined;
  return commands.map((c) => (c === selected ? loaded! : { command: c.command, describe: c.describe, handler: () => notLoaded(c) }));
}

function notLoaded(c: LazyCommand): never {
  throw new Error(`internal error: oac ${c.name} ran without its module loaded (commands.ts selectedCommand)`);
}
