/**
 * `oac specs lint [--dir <specs>]`: check that the schemas compile, every document under specs/ validates,
 * and every check id, error code and cassette it names exists. Prints `ok: …` or one line per problem.
 */
import { relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { specsDir } from '../specs/load.js';
import { lintSpecsDetailed, type LintProblem } from '../lint/specs.js';

interface SpecsLintArgs {
  dir?: string;
  recordings?: string;
}

/** A path as the user would type it: relative to the working directory when it is below it. */
function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function formatProblem(p: LintProblem): string {
  return `${display(p.file)}: ${p.path || '/'}: ${p.message}`;
}

/** Run the lint and write its report through `write`; returns the exit code (0 clean, 1 problems). */
export function runSpecsLint(dir: string, write: (line: string) => void, recordingsDir?: string): number {
  const { problems, counts } = lintSpecsDetailed(dir, recordingsDir === undefined ? {} : { recordingsDir });
  if (problems.length === 0) {
    write(`ok: ${counts.schemas} schemas, ${counts.checks} checks, ${counts.vectors} vectors, ${counts.scenarios} scenarios, ${counts.cassettes ?? 0} cassettes`);
    return 0;
  }
  for (const p of problems) write(formatProblem(p));
  return 1;
}

export const specsLintSubcommand: CommandModule<object, SpecsLintArgs> = {
  command: 'lint',
  describe: 'Check specs/: schemas compile, documents validate, check ids / error codes / cassettes exist',
  builder: (y) =>
    y
      .option('dir', { type: 'string', describe: 'the specs directory to check (default: the installed specs/)' })
      .option('recordings', { type: 'string', describe: 'where scenario cassettes live (default: <dir>/../recordings)' })
      .example('$0 specs lint', 'check the installed specs')
      .example('$0 specs lint --dir ./specs', 'check a working copy'),
  handler: (args) => {
    const code = runSpecsLint(args.dir ?? specsDir(), (line) => process.stdout.write(`${line}\n`), args.recordings);
    if (code !== 0) process.exitCode = code;
  },
};

/** `oac specs <command>`: the group that holds `lint` (wire this one into the CLI's command list). */
export const specsLintCommand: CommandModule<object, object> = {
  command: 'specs <command>',
  describe: 'Work with the protocol-as-data files (schemas, checks, vectors, scenarios)',
  builder: (y: Argv<object>) => y.command(specsLintSubcommand).demandCommand(1, 'name a specs command (see oac specs --help)'),
  handler: () => {
    // Unreachable: yargs runs the subcommand's handler; demandCommand rejects a missing one.
  },
};
