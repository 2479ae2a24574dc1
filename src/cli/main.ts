#!/usr/bin/env node
/**
 * `oac`: the command-line entry point. Each command lives in its own module and stays thin: parse
 * arguments, call the library, print. Errors become one line on stderr and a non-zero exit.
 */
import { OacError } from '../errors.js';

/**
 * `oac client <action> <target>` is what `oac check` starts once per scenario, so its start-up is paid
 * dozens of times a run: it goes straight to the reference client, without yargs and without loading
 * every other command (the emulator, the recorder with Polly.js, the reports…).
 */
async function clientFastPath(argv: string[]): Promise<boolean> {
  if (argv.length !== 3 || argv[0] !== 'client' || argv.slice(1).some((a) => a.startsWith('-'))) return false;
  const { runClientAction } = await import('./client.js');
  const outcome = await runClientAction(argv[1]!, argv[2]!, process.env);
  if (outcome.stdout.length > 0) process.stdout.write(outcome.stdout);
  if (outcome.stderr !== '') process.stderr.write(outcome.stderr);
  process.exitCode = outcome.exitCode;
  return true;
}

export async function main(argv: string[]): Promise<void> {
  if (await clientFastPath(argv)) return;
  // Only the module of the command being run is imported (commands.ts says why).
  const [{ default: yargs }, modules] = await Promise.all([import('yargs'), import('./commands.js').then((c) => c.commandModules(argv))]);
  let cli = yargs(argv)
    .scriptName('oac')
    .usage('$0 <command> [options]\n\nRecord/replay conformance harness for Ollama authentication.')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, err) => {
      // yargs reports argument problems (its own, and those our .check() callbacks throw) with a
      // message; a command's own failure arrives as an OacError. Both become one line on stderr.
      if (err instanceof OacError) throw err;
      throw new UsageError(message ?? err?.message ?? 'invalid arguments');
    });
  for (const command of modules) cli = cli.command(command);
  skipHelpPrerender(cli);
  await cli.parseAsync();
}

/**
 * yargs renders the whole help text before it runs a command's handler (command.js: cacheHelpMessage), to
 * print it if an async handler fails. Our .fail() never prints help, so that text is never shown, and
 * rendering it (cliui, string-width) costs ~40 ms of every `oac check`. `--help` renders as before. No
 * guard: if a yargs upgrade moves this internal method, every CLI test fails here instead of slowing down.
 */
function skipHelpPrerender(cli: object): void {
  const internal = cli as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } };
  internal.getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
}

class UsageError extends OacError {
  constructor(message: string) {
    super('cli/usage', message);
  }
}

// `oac check --list | head`: the reader went away, which is not our failure. Exit quietly (like cat),
// instead of an EPIPE stack trace; any other stdout error is real and is reported.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`oac: cannot write to standard output: ${err.message}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).catch((err: unknown) => {
  const code = err instanceof OacError ? err.code : 'error';
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`oac: ${message}${code === 'cli/usage' ? ' (see oac --help)' : ''}\n`);
  if (process.env['OAC_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = code === 'cli/usage' ? 2 : 1;
});
