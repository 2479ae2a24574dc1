/**
 * ollama.com's API surface that the auth flows reach: `GET /api/tags` (cloud model list),
 * `POST /api/me` (who am I, used by `ollama signin`), `POST /api/chat` (JSON or NDJSON stream).
 * Bodies follow Ollama's Go types (api.ListResponse, UserResponse, api.ChatResponse).
 */
import { createHash } from 'node:crypto';
import { authenticateApi, type Principal } from './api-auth.js';
import type { EmulatorState } from './options.js';
import { jsonReply, ollamaErrorReply, type Reply } from './replies.js';
import type { EmulatorRequest } from './request.js';

export type ApiRoute = 'tags' | 'me' | 'chat';

const ROUTES: Readonly<Record<string, { route: ApiRoute; method: string }>> = {
  '/api/tags': { route: 'tags', method: 'GET' },
  '/api/me': { route: 'me', method: 'POST' },
  '/api/chat': { route: 'chat', method: 'POST' },
};

export function matchApi(path: string): { route: ApiRoute; method: string } | undefined {
  return Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
}

/** The fixed answer of the emulated assistant, streamed word by word. */
export const ASSISTANT_REPLY = 'Hello from the Ollama auth emulator. Your request was authenticated.';

export function handleApi(state: EmulatorState, req: EmulatorRequest, route: ApiRoute, method: string): Reply {
  if (req.method !== method) {
    return ollamaErrorReply(405, '405 method not allowed', [], {}, { Allow: method });
  }
  const auth = authenticateApi(state, req);
  if (!auth.ok) return auth.reply;
  switch (route) {
    case 'tags':
      return jsonReply(200, { models: state.cloudModels }, auth.findings);
    case 'me':
      return jsonReply(200, whoami(auth.principal), auth.findings);
    case 'chat':
      return chat(state, req, auth.findings);
  }
}

function whoami(principal: Principal): Record<string, string> {
  const seed = principal.kind === 'key' ? principal.publicKeyField : principal.kind === 'basic' ? `basic:${principal.user}` : 'api-key';
  const hex = createHash('sha256').update(seed).digest('hex');
  // A stable UUID-shaped id per identity, so two keys look like two accounts.
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { id, email: `user-${hex.slice(0, 8)}@emulator.invalid`, name: `emulator-${hex.slice(0, 8)}`, plan: 'free' };
}

function chat(state: EmulatorState, req: EmulatorRequest, findings: Reply['findings']): Reply {
  let body: unknown;
  try {
    body = JSON.parse(req.body.length === 0 ? '{}' : req.body.toString('utf8'));
  } catch (err) {
    return ollamaErrorReply(400, `invalid request body: ${(err as Error).message}`, findings);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ollamaErrorReply(400, 'invalid request body: expected a JSON object', findings);
  const request = body as Record<string, unknown>;
  const model = request['model'];
  if (typeof model !== 'string' || model === '') return ollamaErrorReply(400, 'model is required', findings);
  if (!state.cloudModels.some((m) => m.name === model || m.model === model)) {
    return ollamaErrorReply(404, `model '${model}' not found`, findings);
  }
  const createdAt = new Date(state.nowMs()).toISOString();
  const stats = {
    done_reason: 'stop',
    total_duration: 1_200_000,
    load_duration: 100_000,
    prompt_eval_count: 8,
    prompt_eval_duration: 300_000,
    eval_count: ASSISTANT_REPLY.split(' ').length,
    eval_duration: 800_000,
  };
  if (request['stream'] === false) {
    return jsonReply(200, { model, created_at: createdAt, message: { role: 'assistant', content: ASSISTANT_REPLY }, done: true, ...stats }, findings);
  }
  // Ollama streams by default: one JSON object per line, the last with done:true and the statistics.
  const words = ASSISTANT_REPLY.split(/(?<= )/);
  const chunks = words.map((w) => `${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: w }, done: false })}\n`);
  chunks.push(`${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: '' }, done: true, ...stats })}\n`);
  return { status: 200, headers: { 'Content-Type': 'application/x-ndjson' }, chunks, findings };
}
