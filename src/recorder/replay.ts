/**
 * In-process replay for TypeScript users: `withCassette('registry/pull-manifest', async () => …)` runs the
 * callback with node:http(s) and fetch intercepted by Polly.js in replay mode (recordIfMissing false), so
 * every request is answered from the cassette and nothing reaches the network.
 *
 * A thin Polly front-end on the cassette engine (cassette-engine.ts loads, cassette-match.ts matches):
 * requests are matched by the engine's rules, not by Polly's hash ids. A request with no match fails with
 * CassetteMissError, which replaces Polly's own miss error (that one prints the Authorization header
 * verbatim).
 */
import { redactHeaderValuesInText } from '../redaction/index.js';
import { checkExpiry, loadForReplay, type ExpiryOptions } from './cassette-engine.js';
import { RequestMatcher, shapeRedactor, type SentRequest } from './cassette-match.js';
import { CassetteError } from './har.js';
import { startReplayPolly, wireUrl, type PollyRequest } from './polly.js';


export interface ReplayOptions extends ExpiryOptions {
  /** Where cassette names are resolved (default: the installed package's recordings/). */
  recordingsDir?: string;
  /** Fail when the callback finishes without using every recorded entry. Default false. */
  requireAllUsed?: boolean;
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body === undefined || body === null) return '';
  return Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
}

/** What Polly intercepted, as the engine compares it. */
function sentRequest(req: PollyRequest): SentRequest {
  const auth = req.getHeader('authorization');
  return { method: req.method, url: wireUrl(req), authorization: Array.isArray(auth) ? auth[0] : auth ?? undefined, body: bodyText(req.body) };
}

/** Errors from inside Polly can quote a request verbatim: keep their text, minus any credential. */
export function scrubMessage(text: string): string {
  return redactHeaderValuesInText(shapeRedactor.redactText(text));
}

function pollyFailure(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && (message.includes('[Polly]') || (e as { name?: unknown }).name === 'PollyError')) return message;
  }
  return undefined;
}

/**
 * Run `fn` against the cassette `name`. Resolves with `fn`'s result; rejects with CassetteMissError for the
 * first request the cassette could not answer (even when `fn` caught the resulting error itself).
 */
export async function withCassette<T>(name: string, fn: () => Promise<T>, options: ReplayOptions = {}): Promise<T> {
  const loaded = loadForReplay(name, options.recordingsDir);
  checkExpiry(loaded, options);
  const matcher = new RequestMatcher(loaded);
  const polly = startReplayPolly(`replay:${loaded.label}`, (req) => matcher.match(sentRequest(req)));
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await polly.stop();
    if (matcher.misses.length > 0) throw matcher.misses[0]!;
    const pollyMessage = pollyFailure(err);
    if (pollyMessage !== undefined) throw new CassetteError('cassette/polly', `replaying ${loaded.label}: ${scrubMessage(pollyMessage)}`);
    throw err;
  }
  await polly.stop();
  if (matcher.misses.length > 0) throw matcher.misses[0]!;
  if (options.requireAllUsed) matcher.assertAllUsed();
  return result;
}
