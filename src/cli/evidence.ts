/**
 * `oac evidence verify <dir>`: re-check a bundle written by `oac check --evidence <dir>` (its SHA256SUMS and
 * results.json's schema). Exit 0 with one line when it holds; exit 1 with one line per problem otherwise.
 */
import type { CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { verifyEvidence } from '../evidence/index.js';

interface EvidenceArgs {
  action?: string;
  dir?: string;
}

export const evidenceCommand: CommandModule<object, EvidenceArgs> = {
  command: 'evidence <action> <dir>',
  describe: 'Verify a pull-request evidence bundle written by oac check --evidence',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['verify'], describe: 'verify: re-check SHA256SUMS and the results.json schema' })
      .positional('dir', { type: 'string', describe: 'the folder given to oac check --evidence' })
      .example('$0 evidence verify oac-report', 'exit 0 when every file matches SHA256SUMS and results.json is valid'),
  handler: (args) => {
    const result = verifyEvidence(args.dir!);
    if (result.ok) {
      process.stdout.write(`evidence verified: ${result.verified.length} files in ${result.dir} match SHA256SUMS; results.json matches its schema\n`);
      return;
    }
    const [first, ...rest] = result.problems;
    // One line per problem; the first is the error main.ts prints (exit 1), the others precede it.
    for (const problem of rest) process.stderr.write(`oac: ${problem}\n`);
    throw new OacError('evidence/not-verified', `${first} (${result.dir} is not verified)`);
  },
};
