#!/usr/bin/env node
/**
 * A tiny provider on the `ollama` npm package (ollama-js 0.6.4), talking to the REAL https://ollama.com.
 *
 *     node examples/providers/ollama-js/provider.mjs list-models
 *
 * `new Ollama({ host: 'https://ollama.com' }).list()`: ollama-js adds `Authorization: Bearer $OLLAMA_API_KEY`
 * by itself for https://ollama.com (fetchWithHeaders in its src/utils.ts), so this is the apikey flow exactly
 * as the library ships it. Node 20's fetch ignores proxy variables, so, as the README's per-stack notes
 * say, the provider installs undici's EnvHttpProxyAgent (HTTPS_PROXY/NO_PROXY) as the global dispatcher
 * and hands undici's fetch to ollama-js; NODE_EXTRA_CA_CERTS (read at start-up) makes the per-run CA trusted.
 * Prints the library's parsed response as JSON and exits 0, or one line on stderr and exit 1.
 */
import { Ollama } from 'ollama';
import { EnvHttpProxyAgent, fetch, setGlobalDispatcher } from 'undici';

setGlobalDispatcher(new EnvHttpProxyAgent());

function oneLine(err) {
  const cause = err?.cause instanceof Error ? `: ${err.cause.code ?? ''} ${err.cause.message}` : '';
  const status = typeof err?.status_code === 'number' ? ` (HTTP ${err.status_code})` : '';
  return `${err?.name ?? 'Error'}${status}: ${err?.message ?? String(err)}${cause}`.replace(/\s+/g, ' ').trim();
}

async function main(argv) {
  if (argv.length !== 1 || argv[0] !== 'list-models') {
    process.stderr.write('usage: provider.mjs list-models\n');
    return 2;
  }
  try {
    const models = await new Ollama({ host: 'https://ollama.com', fetch }).list();
    process.stdout.write(`${JSON.stringify(models)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`list-models: ${oneLine(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
