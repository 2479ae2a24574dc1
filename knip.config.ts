/**
 * Dead-export check (`npx knip --include exports,types,files`; test/repository/dead-exports.test.ts runs
 * it in `npm test`): every export must be imported somewhere, or be the documented library API.
 *
 * Entry points: the CLI, the barrels README documents for TypeScript users (withCassette from
 * src/recorder, createEmulator from src/emulator, createLocalOllama from src/local-ollama: their exports
 * are the public API, so knip does not report them), the scripts, the tests and the ollama-js example.
 */
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  entry: [
    'src/cli/main.ts',
    'src/recorder/index.ts',
    'src/emulator/index.ts',
    'src/local-ollama/index.ts',
    'scripts/*.mjs',
    'test/**/*.ts',
    'examples/ollama-js/*.mjs',
  ],
  project: ['src/**/*.ts', 'scripts/**/*.mjs', 'test/**/*.ts', 'examples/ollama-js/*.mjs'],
};

export default config;
