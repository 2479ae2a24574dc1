#!/usr/bin/env node
/**
 * The baseline of `npm run bench`: a bare node:http server, in its own process, that answers the three
 * requests of a registry handshake with the very bytes the emulator sent (statuses, headers, bodies, the
 * emulator's origin rewritten to this server's), deciding by path and by the presence of Authorization
 * only: no parsing, no verification. What is left is the cost of HTTP itself on this machine.
 *
 *   node scripts/bench-bare.mjs --sample FILE     (FILE written by scripts/bench-load.mjs --sample)
 *
 * stdout: `listening on http://127.0.0.1:<port>`; runs until SIGTERM or SIGINT. Loopback only.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

/** Headers node writes itself (or that describe one connection): not part of the replayed answer. */
const OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function usage(message) {
  process.stderr.write(`bench-bare: ${message}\n`);
  process.exit(2);
}

function readSample(argv) {
  if (argv.length !== 2 || argv[0] !== '--sample') usage(`usage: bench-bare.mjs --sample FILE, got ${JSON.stringify(argv)}`);
  let sample;
  try {
    sample = JSON.parse(readFileSync(argv[1], 'utf8'));
  } catch (err) {
    usage(`cannot read the sample ${argv[1]}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof sample?.origin !== 'string' || !Array.isArray(sample.responses) || sample.responses.length !== 3) {
    usage(`${argv[1]}: expected {origin, responses: [challenge, token, resource]} as bench-load.mjs writes it`);
  }
  return sample;
}

function prepare(response, from, to) {
  const headers = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) {
    if (!OWN_HEADERS.has(response.rawHeaders[i].toLowerCase())) headers.push(response.rawHeaders[i], response.rawHeaders[i + 1].split(from).join(to));
  }
  const body = Buffer.from(Buffer.from(response.body, 'base64').toString('latin1').split(from).join(to), 'latin1');
  const lengthAt = headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length');
  if (lengthAt >= 0) headers[lengthAt + 1] = String(body.length);
  return { status: response.status, headers, body };
}

const sample = readSample(process.argv.slice(2));
const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const [challenge, token, resource] = sample.responses.map((r) => prepare(r, sample.origin, origin));
  server.on('request', (req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = req.url.startsWith('/v2/token') ? token : req.headers.authorization === undefined ? challenge : resource;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  process.stdout.write(`listening on ${origin}\n`);
});
server.on('error', (err) => usage(`cannot listen: ${err.message}`));
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
