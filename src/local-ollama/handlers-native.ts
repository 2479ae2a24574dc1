/**
 * Ollama's native /api/* handlers as far as a request can get without acting: the same checks in the same
 * order, the same status and error text (each cited), then, past validation, a plausible answer and the
 * action the real handler would have taken (never carried out).
 */
import { createHash } from 'node:crypto';
import { bindJson, str, type BindResult } from './go-json.js';
import { displayShortest, goQuote, parseName, isValidName, resolveModelRef, type ModelRef } from './model-names.js';
import { acted, ginEmpty, ginJson, ginText, ndjson, ollamaError, read, rejected, type HandlerOutcome, type Reply } from './replies.js';
import type { ModelStore } from './store.js';

export interface HandlerContext {
  method: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
  store: ModelStore;
  version: string;
}

export type Handler = (ctx: HandlerContext) => HandlerOutcome;

/** The `case errors.Is(err, io.EOF)` / `case err != nil` prologue every native handler has. */
function bindOrReject(ctx: HandlerContext, structName: string, types: Parameters<typeof bindJson>[2]): Extract<BindResult, { ok: true }> | HandlerOutcome {
  const bound = bindJson(ctx.body, structName, types);
  if (bound.ok) return bound;
  if (bound.eof) return rejected(ollamaError(400, 'missing request body'), 'missing request body');
  return rejected(ollamaError(400, bound.message), `body does not bind: ${bound.message}`);
}

function isOutcome(v: unknown): v is HandlerOutcome {
  return typeof v === 'object' && v !== null && 'reply' in v;
}

/** writeModelRefParseError (server/routes.go@fb30760 L66-75). */
function modelRefError(ref: Extract<ModelRef, { ok: false }>, fallbackStatus: number, fallbackMessage: string): Reply {
  if (ref.error === 'conflicting-source') return ollamaError(400, ref.message);
  if (ref.error === 'unqualified') return ollamaError(400, 'invalid model name');
  return ollamaError(fallbackStatus, fallbackMessage);
}

function streamed(fields: Record<string, unknown>, last: Record<string, unknown>, first?: Record<string, unknown>): Reply {
  if (fields['stream'] === false) return ginJson(200, last);
  return ndjson(first ? [first, last] : [last]);
}

const now = (): string => new Date().toISOString();

export const nativeHandlers: Record<string, Record<string, Handler>> = {
  root: {
    GET: () => read(ginText(200, 'Ollama is running')),
    HEAD: () => read(ginText(200, 'Ollama is running')),
  },
  'api-version': {
    GET: (ctx) => read(ginJson(200, { version: ctx.version })),
    HEAD: (ctx) => read(ginJson(200, { version: ctx.version })),
  },
  'api-status': {
    GET: () => read(ginJson(200, { cloud: { disabled: false, source: 'none' } })),
  },
  'api-tags': {
    GET: (ctx) => read(ginJson(200, ctx.store.listResponse())),
    HEAD: (ctx) => read(ginJson(200, ctx.store.listResponse())),
  },
  'api-ps': {
    GET: () => read(ginJson(200, { models: [] })),
  },
  'api-experimental-model-recommendations': {
    GET: () => read(ginJson(200, { recommendations: [] })),
  },

  // server/routes.go@fb30760 L1102-1161
  'api-pull': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'PullRequest', { model: 'string', name: 'string', insecure: 'bool', stream: 'bool' });
      if (isOutcome(b)) return b;
      const ref = resolveModelRef(str(b.fields, 'model') || str(b.fields, 'name'), true);
      if (!ref.ok) return rejected(modelRefError(ref, 400, 'invalid model name'), ref.message);
      const name = displayShortest(ref.name);
      return acted(streamed(b.fields, { status: 'success' }, { status: 'pulling manifest' }), `would pull ${name} from ${ref.name.host}`);
    },
  },
  // L1163-1216
  'api-push': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'PushRequest', { model: 'string', name: 'string', insecure: 'bool', stream: 'bool' });
      if (isOutcome(b)) return b;
      const model = str(b.fields, 'model') || str(b.fields, 'name');
      if (model === '') return rejected(ollamaError(400, 'model is required'), 'model is required');
      return acted(streamed(b.fields, { status: 'success' }, { status: 'retrieving manifest' }), `would push ${model} to its registry`);
    },
  },
  // L1300-1394
  'api-show': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'ShowRequest', { model: 'string', name: 'string', system: 'string', verbose: 'bool', options: 'object' });
      if (isOutcome(b)) return b;
      const model = str(b.fields, 'model') || str(b.fields, 'name');
      if (model === '') return rejected(ollamaError(400, 'model is required'), 'model is required');
      return show(ctx, model);
    },
  },
  // L1247-1298
  'api-delete': {
    DELETE: (ctx) => {
      const b = bindOrReject(ctx, 'DeleteRequest', { model: 'string', name: 'string' });
      if (isOutcome(b)) return b;
      const raw = str(b.fields, 'model') || str(b.fields, 'name');
      const ref = resolveModelRef(raw, true);
      if (!ref.ok) {
        const message = ref.error === 'unqualified' ? `name ${goQuote(raw)} is invalid` : ref.message;
        return rejected(ollamaError(400, message), message);
      }
      if (!ctx.store.find(ref.name)) return rejected(ginJson(404, { error: `model '${raw}' not found` }), 'no such model');
      return acted(ginEmpty(200), `would delete ${displayShortest(ref.name)}`);
    },
  },
  // L2184-2236: no body to reject; whatever arrives, the handler calls ollama.com.
  'api-me': {
    POST: () => acted(ginJson(401, { error: 'unauthorized', signin_url: 'https://ollama.com/connect?name=oac-local-ollama' }), "would ask ollama.com who the server's key belongs to"),
  },
  // L2238-2269
  'api-signout': {
    POST: () => acted(ginJson(401, { error: 'you are not currently signed in' }), "would disconnect the server's key from the owner's ollama.com account"),
  },
  'api-user-keys': {
    DELETE: () => acted(ginJson(401, { error: 'you are not currently signed in' }), "would disconnect the server's key from the owner's ollama.com account (deprecated route)"),
  },
  // server/create.go@fb30760 L51-107
  'api-create': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'CreateRequest', { model: 'string', name: 'string', files: 'object', adapters: 'object', stream: 'bool' });
      if (isOutcome(b)) return b;
      for (const group of ['files', 'adapters']) {
        const digests = (b.fields[group] ?? {}) as Record<string, unknown>;
        if (Object.values(digests).some((d) => d === '')) return rejected(ollamaError(400, 'invalid digest format'), 'invalid digest format');
      }
      const name = parseName(str(b.fields, 'model') || str(b.fields, 'name'));
      if (!isValidName(name)) return rejected(ollamaError(400, 'invalid model name'), 'invalid model name');
      return acted(streamed(b.fields, { status: 'success' }), `would create ${displayShortest(name)}`);
    },
  },
  // L1688-1753
  'api-blobs': {
    POST: (ctx) => {
      const digest = ctx.params['digest'] ?? '';
      if (!BLOB_DIGEST.test(digest)) return rejected(ollamaError(400, 'invalid digest format'), 'invalid digest format');
      if (ctx.store.hasBlob(digest)) return read(ginEmpty(200), 'blob already stored');
      const got = `sha256:${createHash('sha256').update(ctx.body).digest('hex')}`;
      const reply = got === digest.replace('-', ':').toLowerCase() ? ginEmpty(201) : ollamaError(400, `digest mismatch, expected ${goQuote(digest)}, got ${goQuote(got)}`);
      return acted(reply, `would store a ${ctx.body.length}-byte blob ${got}`);
    },
    HEAD: (ctx) => {
      const digest = ctx.params['digest'] ?? '';
      if (!BLOB_DIGEST.test(digest)) return rejected(ollamaError(400, 'invalid digest format'), 'invalid digest format');
      if (!ctx.store.hasBlob(digest)) return rejected(ollamaError(404, `blob ${goQuote(digest)} not found`), 'no such blob');
      return read(ginEmpty(200));
    },
  },
  // L1647-1686
  'api-copy': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'CopyRequest', { source: 'string', destination: 'string' });
      if (isOutcome(b)) return b;
      const source = str(b.fields, 'source');
      const destination = str(b.fields, 'destination');
      const src = parseName(source);
      if (!isValidName(src)) return rejected(ollamaError(400, `source ${goQuote(source)} is invalid`), 'invalid source');
      const dst = parseName(destination);
      if (!isValidName(dst)) return rejected(ollamaError(400, `destination ${goQuote(destination)} is invalid`), 'invalid destination');
      if (!ctx.store.find(src)) return rejected(ginJson(404, { error: `model ${goQuote(source)} not found` }), 'no such source model');
      return acted(ginEmpty(200), `would copy ${displayShortest(src)} to ${displayShortest(dst)}`);
    },
  },
  // L2156-2182
  'api-experimental-web-search': {
    POST: (ctx) => webProxy(ctx, 'search', { results: [] }),
  },
  'api-experimental-web-fetch': {
    POST: (ctx) => webProxy(ctx, 'fetch', { title: '', content: '', links: [] }),
  },
  // L245-330
  'api-generate': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'GenerateRequest', { model: 'string', prompt: 'string', stream: 'bool', top_logprobs: 'int' });
      if (isOutcome(b)) return b;
      const model = str(b.fields, 'model');
      const topLogprobs = Number(b.fields['top_logprobs'] ?? 0);
      if (topLogprobs < 0 || topLogprobs > 20) return rejected(ollamaError(400, 'top_logprobs must be between 0 and 20'), 'top_logprobs out of range');
      const found = localModel(ctx, model, { status: 404, message: `model '${model}' not found` }, () => ginJson(404, { error: `model '${model}' not found` }));
      if (found.outcome) return found.outcome;
      return acted(streamed(b.fields, { model, created_at: now(), response: '', done: true, done_reason: 'stop' }), found.what('generate with'));
    },
  },
  // L2440-2520
  'api-chat': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'ChatRequest', { model: 'string', messages: 'array', stream: 'bool', top_logprobs: 'int' });
      if (isOutcome(b)) return b;
      const model = str(b.fields, 'model');
      const topLogprobs = Number(b.fields['top_logprobs'] ?? 0);
      if (topLogprobs < 0 || topLogprobs > 20) return rejected(ollamaError(400, 'top_logprobs must be between 0 and 20'), 'top_logprobs out of range');
      const found = localModel(ctx, model, { status: 400, message: 'model is required' }, () => ginJson(404, { error: `model '${model}' not found` }));
      if (found.outcome) return found.outcome;
      return acted(streamed(b.fields, { model, created_at: now(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' }), found.what('chat with'));
    },
  },
  // L795-850
  'api-embed': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'EmbedRequest', { model: 'string', input: 'any' });
      if (isOutcome(b)) return b;
      const model = str(b.fields, 'model');
      const ref = resolveModelRef(model);
      if (!ref.ok) return rejected(modelRefError(ref, 404, `model '${model}' not found`), ref.message);
      if (ref.source === 'cloud') return acted(ginJson(200, { model, embeddings: [] }), `would forward the embedding of ${ref.base} to ollama.com`);
      const input = b.fields['input'];
      const badInput = Array.isArray(input) ? input.some((v) => typeof v !== 'string') : input !== undefined && typeof input !== 'string';
      if (badInput) return rejected(ollamaError(400, 'invalid input type'), 'invalid input type');
      if (!ctx.store.find(ref.name)) return rejected(ginJson(404, { error: `model ${goQuote(model)} not found, try pulling it first` }), 'no such model');
      return acted(ginJson(200, { model, embeddings: [[0]] }), `would load ${displayShortest(ref.name)} and embed`);
    },
  },
  // L1042-1100
  'api-embeddings': {
    POST: (ctx) => {
      const b = bindOrReject(ctx, 'EmbeddingRequest', { model: 'string', prompt: 'string' });
      if (isOutcome(b)) return b;
      const model = str(b.fields, 'model');
      const found = localModel(ctx, model, { status: 400, message: 'model is required' }, () => ginJson(404, { error: `model ${goQuote(model)} not found, try pulling it first` }));
      if (found.outcome) return found.outcome;
      return acted(ginJson(200, { embedding: [0] }), found.what('embed with'));
    },
  },
};

const BLOB_DIGEST = /^sha256[:-][0-9a-fA-F]{64}$/;

/** ShowHandler from the model reference on (server/routes.go@fb30760 L1320-1394), shared with /v1/models/:model. */
export function show(ctx: HandlerContext, model: string): HandlerOutcome {
  const ref = resolveModelRef(model);
  if (!ref.ok) {
    const message = ref.error === 'unqualified' ? 'invalid model name' : ref.message;
    return rejected(ollamaError(400, message), message);
  }
  const display = displayShortest(ref.name);
  const stored = ref.source === 'cloud' ? undefined : ctx.store.find(ref.name);
  if (!stored) return rejected(ginJson(404, { error: `model '${display}' not found` }), 'no such model');
  return read(ginJson(200, { license: '', modelfile: '', parameters: '', template: '{{ .Prompt }}', details: { format: 'gguf', family: 'oac' }, model_info: {}, capabilities: ['completion'], modified_at: stored.modifiedAt }));
}

interface LocalModelCheck {
  outcome?: HandlerOutcome;
  what: (verb: string) => string;
}

/**
 * The model check the inference handlers share: parse the reference (fallback status/message differ per
 * handler), forward :cloud names to ollama.com (an action: it spends), else require the model locally.
 */
function localModel(ctx: HandlerContext, model: string, fallback: { status: number; message: string }, notFound: () => Reply): LocalModelCheck {
  const ref = resolveModelRef(model);
  if (!ref.ok) return { outcome: rejected(modelRefError(ref, fallback.status, fallback.message), ref.message), what: () => '' };
  if (ref.source === 'cloud') {
    return { what: (verb) => `would forward a request to ${verb} ${ref.base} to ollama.com (spends the owner's account)` };
  }
  if (!ctx.store.find(ref.name)) return { outcome: rejected(notFound(), 'no such model'), what: () => '' };
  return { what: (verb) => `would load ${displayShortest(ref.name)} and ${verb} it` };
}

function webProxy(ctx: HandlerContext, kind: 'search' | 'fetch', answer: unknown): HandlerOutcome {
  if (ctx.body.toString('utf8').trim() === '') return rejected(ollamaError(400, 'missing request body'), 'missing request body');
  return acted(ginJson(200, answer), `would call ollama.com web ${kind} with the server's key (spends the owner's account)`);
}
