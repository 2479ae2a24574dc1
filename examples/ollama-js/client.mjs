#!/usr/bin/env node
/**
 * Exec contract v1 around the REAL third-party `ollama` npm client (ollama-js), used the way its README
 * tells a user to use it. Nothing of this project is imported and no auth is added by hand: whatever
 * reaches the wire is what ollama-js sends. The verdicts of `oac check` are therefore a statement about
 * ollama-js (plus Node's built-in fetch), not about this file.
 *
 *     node examples/ollama-js/client.mjs <action> <target>
 *
 * - apikey-tags <base>: `new Ollama({ host: base, headers: { Authorization: 'Bearer ' + OLLAMA_API_KEY } })`
 *   then `list()` (GET /api/tags). That constructor call is copied from the README's "Cloud API
 *   (ollama.com)" section. ollama-js also reads OLLAMA_API_KEY by itself, but only for requests to
 *   https://ollama.com (src/utils.ts, fetchWithHeaders); the harness's stand-in is http://127.0.0.1:P,
 *   so without the documented header nothing would be sent at all.
 * - basic-tags <url with user:pass@>: `new Ollama({ host: url })` then `list()`. ollama-js keeps the
 *   userinfo in its host string (formatHost) and hands the URL to fetch; what happens then is Node's
 *   fetch's doing, and the verdicts show it.
 * - cloud-tags, cloud-whoami, registry-manifest: exit 3. ollama-js has no Ed25519 key handling, no
 *   signed requests and no registry client (pull/push go through a local Ollama server's /api/pull).
 *
 * Output: the library's parsed response, re-serialised with JSON.stringify (JSON-equal to the body the
 * server sent, not byte-equal). Errors: one line on stderr, exit 1. TLS: the harness sets
 * NODE_EXTRA_CA_CERTS, which Node's fetch honours at start-up; there is nothing to configure here.
 */
import { Ollama } from 'ollama';

const UNSUPPORTED = {
  'cloud-tags': 'the ollama npm client has no Ed25519 signing / registry flow',
  'cloud-whoami': 'the ollama npm client has no Ed25519 signing / registry flow',
  'registry-manifest': 'the ollama npm client has no Ed25519 signing / registry flow',
};

/** One line, with the password of a `user:pass@` URL (if the runtime echoes it) replaced. */
function oneLine(text) {
  return String(text).replace(/(\/\/[^/\s:@]*:)[^@\s/]*@/g, '$1***@').replace(/\s*\n\s*/g, ' ').trim();
}

/** What a user would log: the library's message, its HTTP status when it has one, and fetch's cause. */
function describe(err) {
  if (!(err instanceof Error)) return oneLine(err);
  const status = typeof err.status_code === 'number' ? ` (HTTP ${err.status_code})` : '';
  const cause = err.cause instanceof Error ? `: ${err.cause.code ? `${err.cause.code} ` : ''}${err.cause.message}` : '';
  return oneLine(`${err.name}${status}: ${err.message}${cause}`);
}

function clientFor(action, target) {
  switch (action) {
    case 'apikey-tags':
      // Verbatim from the ollama-js README, "Cloud API (ollama.com)".
      return new Ollama({ host: target, headers: { Authorization: 'Bearer ' + process.env.OLLAMA_API_KEY } });
    case 'basic-tags':
      return new Ollama({ host: target });
    default:
      return undefined;
  }
}

async function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: client.mjs <action> <target>\n');
    return 2;
  }
  const [action, target] = argv;
  if (Object.hasOwn(UNSUPPORTED, action)) {
    process.stderr.write(`unsupported action ${action}: ${UNSUPPORTED[action]}\n`);
    return 3;
  }
  const ollama = clientFor(action, target);
  if (ollama === undefined) {
    process.stderr.write(`unsupported action ${oneLine(action)}\n`);
    return 3;
  }
  try {
    const response = await ollama.list();
    process.stdout.write(`${JSON.stringify(response)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${action}: ${describe(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
