/**
 * A cassette as the conformance server uses it: the recorded response of each role in the flow,
 * replayed with fresh credentials. (The HAR reader lands with the recorder's cassette format.)
 */
import type { Reply } from '../emulator/replies.js';
import type { RequestRole } from './types.js';

export interface CassetteOverlay {
  /** The recorded cassette this overlay came from (relative to recordings/). */
  name: string;
  /** The reply to send for a request of this role, given what the emulator decided. */
  apply(role: RequestRole, reply: Reply): Reply;
}
