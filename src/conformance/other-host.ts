/**
 * "Another host": the second listener of the conformance server. Anything that reaches it is a leak,
 * observed, not guessed; the rules (src/rules/client/leaks.ts) say which rule a credential there breaks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, redactHeaders, sendReply, type Reply } from '../emulator/index.js';
import { buildTokenResponse } from '../protocol/token-response.js';
import { leakFindings } from '../rules/client/leaks.js';
import type { Observation, Scenario } from './types.js';

function baitBody(target: string): string {
  return target.startsWith('/v2/token') ? buildTokenResponse('other-host-bait-token') : JSON.stringify({ models: [] });
}

/**
 * Without credentials another host refuses, as a real one would, so a client that follows a redirect
 * correctly (dropping Authorization) still fails. With them it takes the bait and answers like the
 * service it impersonates, so a leaking client keeps going and shows what it does next.
 */
export async function serveOtherHost(scenario: Scenario, req: IncomingMessage, res: ServerResponse, observe: (o: Omit<Observation, 'seq'>) => void): Promise<void> {
  await readBody(req);
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  const findings = leakFindings(scenario, req.headers.authorization, target);
  const reply: Reply = req.headers.authorization === undefined
    ? { status: 401, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'unauthorized' }), findings: [] }
    : { status: 200, headers: { 'Content-Type': 'application/json' }, body: baitBody(target), findings: [] };
  // In intercept mode the proxy's scheme marker is the harness's own header: never recorded.
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith('x-oac-intercept-')));
  observe({ listener: 'other', role: 'other-host', method, url: target, headers: redactHeaders(headers), status: reply.status, findings });
  sendReply(res, reply, method);
}
