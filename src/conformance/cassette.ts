/**
 * A cassette as the conformance server serves it: the recorded response of each role in the flow,
 * with the recorded hosts rewritten to the server's own origin and every redacted value (token,
 * account fields) filled with the fresh value the emulator produced for this request. The emulator
 * still decides accept or refuse: a recorded response is served only when the emulator's verdict has
 * the recorded status, so a client that deviates meets the real refusal, not the recording.
 *
 * A thin front-end on the recorder's cassette engine, imported directly (not through the recorder's
 * barrel, which pulls Polly.js into `oac check` for nothing).
 */
import type { Reply } from '../emulator/replies.js';
import { answerFromRecording, loadServableCassette, recordedOrigins, RoleIndex } from '../recorder/cassette-engine.js';
import type { RequestRole } from './types.js';

export interface CassetteOverlay {
  /** The recorded cassette this overlay came from (relative to recordings/). */
  name: string;
  /** The reply to send for a request of this role, given what the emulator decided. */
  apply(role: RequestRole, reply: Reply): Reply;
}

/** Roles of the recorder (challenge, token, retry, resource) as the server names them. */
function serverRole(recorded: string, flow: string): RequestRole | undefined {
  if (recorded === 'challenge' || recorded === 'token') return recorded;
  if (recorded === 'retry') return 'resource';
  if (recorded === 'resource') return flow === 'registry' ? 'resource' : 'api';
  return undefined;
}

export function loadCassetteOverlay(name: string, origin: () => string, recordingsDir?: string): CassetteOverlay {
  const { cassette } = loadServableCassette(name, recordingsDir);
  const flow = cassette.log._oac.flow;
  const origins = recordedOrigins(cassette);
  const index = new RoleIndex<RequestRole>(cassette, (recorded) => serverRole(recorded, flow));
  return {
    name,
    apply(role, reply) {
      const recorded = index.next(role);
      if (recorded === undefined || recorded.status !== reply.status) return reply;
      const fresh = reply.body === undefined ? undefined : Buffer.from(reply.body).toString('utf8');
      const answer = answerFromRecording(recorded, fresh, origins, origin());
      return { ...reply, status: answer.status, headers: answer.headers, body: answer.body, chunks: undefined };
    },
  };
}
