import { homedir } from 'node:os';
import type { CommandModule } from 'yargs';
import { generateOllamaKey } from '../keys/index.js';

interface KeygenArgs {
  home?: string;
}

export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'Write an Ollama identity (.ollama/id_ed25519 + .pub) as `ollama serve` does; never overwrites',
  builder: (y) =>
    y.option('home', { type: 'string', describe: 'home directory to write .ollama/ into (default: $HOME)' })
      .example('$0 keygen --home /tmp/test-home', 'create /tmp/test-home/.ollama/id_ed25519'),
  handler: (args) => {
    const home = args.home ?? process.env['HOME'] ?? homedir();
    const written = generateOllamaKey({ home });
    process.stderr.write(`wrote ${written.privatePath} (0600) and ${written.publicPath} (0644)\n`);
    process.stdout.write(`${written.key.authorizedKeyLine}\n`);
  },
};
