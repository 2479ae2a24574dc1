/** Every `oac` command, in the order `--help` lists them. */
import type { CommandModule } from 'yargs';
import { checkCommand } from './check.js';
import { clientCommand } from './client.js';
import { emulateCommand } from './emulate.js';
import { explainCommand } from './explain.js';
import { keygenCommand } from './keygen.js';
import { probeCommand } from './probe.js';
import { recordCommand } from './record.js';
import { signCommand } from './sign.js';
import { specsLintCommand } from './specs-lint.js';

// yargs' CommandModule is generic over each command's own argument shape; the list erases it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [checkCommand, probeCommand, clientCommand, recordCommand, keygenCommand, signCommand, emulateCommand, specsLintCommand, explainCommand];
