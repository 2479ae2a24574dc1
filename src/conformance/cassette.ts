/**
 * A cassette as the conformance server serves it: the recorded response of each role in the flow,
 * with the recorded hosts rewritten to the server's own origin and every redacted value (token,
 * account fields) filled with the fresh value the emulator produced for this request. The emulator
 * still decides accept or refuse: a recorded response is served only when the emulator's verdict has
 * the recorded status, so a client that deviates meets the real refusal, not the recording.
 */
import { HarnessError } from '../errors.js';
import type { Reply } from '../emulator/replies.js';
import { formatCassetteProblem, lintCassette, loadCassette, resolveCassettePath } from '../recorder/index.js';
import { parsePlaceholder } from '../recorder/placeholders.js';
import type { RequestRole } from './types.js';

export interface CassetteOverlay {
  /** The recorded cassette this overlay came from (relative to recordings/). */
  name: string;
  /** The reply to send for a request of this role, given what the emulator decided. */
  apply(role: RequestRole, reply: Reply): Reply;
}

interface RecordedResponse {
  status: number;
  headers: [string, string][];
  body: string | undefined;
}

/** Roles of the recorder (challenge, token, retry, resource) as the server names them. */
function serverRole(recorded: string, flow: string): RequestRole | undefined {
  if (recorded === 'challenge' || recorded === 'token') return recorded;
  if (recorded === 'retry') return 'resource';
  if (recorded === 'resource') return flow === 'registry' ? 'resource' : 'api';
  return undefined;
}

/** Recorded placeholders in a JSON body take the emulator's fresh value at the same JSON path. */
function fillPlaceholders(recorded: unknown, fresh: unknown): unknown {
  if (typeof recorded === 'string' && parsePlaceholder(recorded)) return fresh;
  if (Array.isArray(recorded)) return recorded.map((v, i) => fillPlaceholders(v, Array.isArray(fresh) ? fresh[i] : undefined));
  if (recorded !== null && typeof recorded === 'object') {
    const freshObject = fresh !== null && typeof fresh === 'object' ? (fresh as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, fillPlaceholders(v, freshObject[k])]));
  }
  return recorded;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: the recorded text is served as it is
  }
}

export function loadCassetteOverlay(name: string, origin: () => string, recordingsDir?: string): CassetteOverlay {
  const path = resolveCassettePath(name, recordingsDir);
  const problems = lintCassette(path, name);
  if (problems.length > 0) {
    throw new HarnessError('cassette/invalid', `cassette ${name} cannot be served: ${problems.map(formatCassetteProblem).join('; ')}`);
  }
  const { cassette } = loadCassette(name, recordingsDir);
  const flow = cassette.log._oac.flow;
  const recordedOrigins = new Set(cassette.log.entries.map((e) => new URL(e.request.url).origin));
  const byRole = new Map<RequestRole, RecordedResponse[]>();
  for (const entry of cassette.log.entries) {
    const role = serverRole((entry as { _oac?: { role?: string } })._oac?.role ?? '', flow);
    if (!role) continue;
    const list = byRole.get(role) ?? [];
    list.push({ status: entry.response.status, headers: entry.response.headers.map((h) => [h.name, h.value]), body: entry.response.content.text });
    byRole.set(role, list);
  }
  const served = new Map<RequestRole, number>();

  const rewrite = (text: string): string => {
    const own = new URL(origin());
    let out = text;
    for (const recorded of recordedOrigins) {
      const r = new URL(recorded);
      out = out.split(recorded).join(own.origin).split(`"${r.host}"`).join(`"${own.host}"`);
    }
    return out;
  };

  return {
    name,
    apply(role, reply) {
      const list = byRole.get(role);
      if (!list) return reply;
      const index = served.get(role) ?? 0;
      served.set(role, index + 1);
      const recorded = list[Math.min(index, list.length - 1)]!;
      if (recorded.status !== reply.status) return reply;
      const freshText = reply.body === undefined ? undefined : Buffer.from(reply.body).toString('utf8');
      const recordedJson = parseJson(recorded.body);
      const body = recordedJson === undefined ? recorded.body : JSON.stringify(fillPlaceholders(recordedJson, parseJson(freshText)));
      const headers = Object.fromEntries(recorded.headers.map(([n, v]) => [n, rewrite(v)]));
      return { ...reply, status: recorded.status, headers, ...(body === undefined ? { body: undefined } : { body: rewrite(body) }), chunks: undefined };
    },
  };
}
