/**
 * A cassette as the conformance server serves it: the recorded response of each role in the flow,
 * with the recorded hosts rewritten to the server's own origin and every redacted value (token,
 * account fields) filled with the fresh value the emulator produced for this request. The emulator
 * still decides accept or refuse: a recorded response is served only when the emulator's verdict has
 * the recorded status, so a client that deviates meets the real refusal, not the recording.
 *
 * The recorded responses name the repository that was recorded (the challenge's
 * `scope="repository:<name>:pull"`), the emulator the one the request named. When they differ (intercept
 * mode serves the model the client asked for), the recorded name is rewritten to the requested one in the
 * recorded headers, as the recorded hosts are, so the overlay never contradicts the emulator about which
 * scope the client must ask a token for. A requested name that is not a valid OCI name is never written
 * into a recorded header: that request gets the emulator's own answer (which quotes it properly).
 *
 * A thin front-end on the recorder's cassette engine, imported directly (not through the recorder's
 * barrel, which pulls Polly.js into `oac check` for nothing).
 */
import { matchResource, repositoryNameProblem } from '../emulator/registry.js';
import type { Reply } from '../emulator/replies.js';
import type { Cassette } from '../recorder/har.js';
import { answerFromRecording, loadServableCassette, recordedOrigins, RoleIndex } from '../recorder/cassette-engine.js';
import type { RequestRole } from './types.js';

export interface CassetteOverlay {
  /** The recorded cassette this overlay came from (relative to recordings/). */
  name: string;
  /**
   * The reply to send for a request of this role, given what the emulator decided. `requestedRepository`:
   * the repository a registry request named (absent: the recorded one, nothing renamed).
   */
  apply(role: RequestRole, reply: Reply, requestedRepository?: string): Reply;
}

/** Roles of the recorder (challenge, token, retry, resource) as the server names them. */
function serverRole(recorded: string, flow: string): RequestRole | undefined {
  if (recorded === 'challenge' || recorded === 'token') return recorded;
  if (recorded === 'retry') return 'resource';
  if (recorded === 'resource') return flow === 'registry' ? 'resource' : 'api';
  return undefined;
}

/** The repository the cassette's registry requests named (the first manifest or blob request), if any. */
function recordedRepository(cassette: Cassette): string | undefined {
  for (const entry of cassette.log.entries) {
    const route = matchResource(new URL(entry.request.url).pathname);
    if (route !== undefined) return route.repository;
  }
  return undefined;
}

/**
 * Recorded header values with the recorded repository renamed to `requested` (a valid OCI name: the caller
 * checks), where they name the repository: a scope (`repository:<name>:`) or a registry path (`/v2/<name>/`).
 */
export function renameRepository(headers: Record<string, string>, recorded: string | undefined, requested: string | undefined): Record<string, string> {
  if (recorded === undefined || requested === undefined || requested === recorded) return headers;
  const rename = (value: string): string => value
    .split(`repository:${recorded}:`).join(`repository:${requested}:`)
    .split(`/v2/${recorded}/`).join(`/v2/${requested}/`);
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, rename(value)]));
}

/**
 * The servable cassettes of one run, each read, linted and secret-scanned once however many scenarios
 * serve it (a failure is kept too: every scenario of a broken cassette reports the same harness error).
 * The cassettes are only read: each scenario's overlay keeps its own position in them.
 */
export function servableCassettes(recordingsDir?: string): (name: string) => Cassette {
  const loaded = new Map<string, { cassette: Cassette } | { error: unknown }>();
  return (name) => {
    let entry = loaded.get(name);
    if (entry === undefined) {
      try {
        entry = { cassette: loadServableCassette(name, recordingsDir).cassette };
      } catch (error) {
        entry = { error };
      }
      loaded.set(name, entry);
    }
    if ('error' in entry) throw entry.error;
    return entry.cassette;
  };
}

export function loadCassetteOverlay(name: string, origin: () => string, recordingsDir?: string): CassetteOverlay {
  return cassetteOverlay(name, loadServableCassette(name, recordingsDir).cassette, origin);
}

/** The overlay of one scenario over a loaded cassette (its own position in each role's recordings). */
export function cassetteOverlay(name: string, cassette: Cassette, origin: () => string): CassetteOverlay {
  const flow = cassette.log._oac.flow;
  const origins = recordedOrigins(cassette);
  const index = new RoleIndex<RequestRole>(cassette, (recorded) => serverRole(recorded, flow));
  const repository = recordedRepository(cassette);
  return {
    name,
    apply(role, reply, requestedRepository) {
      const recorded = index.next(role);
      if (recorded === undefined || recorded.status !== reply.status) return reply;
      const renamed = requestedRepository !== undefined && requestedRepository !== repository;
      if (renamed && repositoryNameProblem(requestedRepository) !== undefined) return reply;
      const fresh = reply.body === undefined ? undefined : Buffer.from(reply.body).toString('utf8');
      const answer = answerFromRecording(recorded, fresh, origins, origin());
      return { ...reply, status: answer.status, headers: renameRepository(answer.headers, repository, requestedRepository), body: answer.body, chunks: undefined };
    },
  };
}
