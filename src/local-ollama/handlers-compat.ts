/**
 * The OpenAI-compatible /v1/* and Anthropic-compatible /v1/messages routes: the cloud passthrough
 * (server/cloud_proxy.go@fb30760 L74-157), the converting middleware's own checks (middleware/openai.go,
 * middleware/anthropic.go), then the native handler's checks, whose errors the compat writer re-encodes.
 */
import { bindJson, goJson, str } from './go-json.js';
import { displayShortest, resolveModelRef } from './model-names.js';
import { acted, anthropicError, ginJson, openAiError, read, rejected, type HandlerOutcome, type Reply } from './replies.js';
import { show, type Handler, type HandlerContext } from './handlers-native.js';

type ErrorWriter = (status: number, message: string, style: { fromMiddleware: boolean }) => Reply;

const MIDDLEWARE = { fromMiddleware: true };
const WRITER = { fromMiddleware: false };

/** cloudPassthroughMiddleware: a POST whose JSON `model` is a :cloud name is forwarded to ollama.com. */
function cloudPassthrough(ctx: HandlerContext, reply: () => Reply): HandlerOutcome | undefined {
  let model: unknown;
  try {
    model = (JSON.parse(ctx.body.toString('utf8')) as Record<string, unknown> | null)?.['model'];
  } catch {
    return undefined;
  }
  if (typeof model !== 'string') return undefined;
  const ref = resolveModelRef(model);
  if (!ref.ok || ref.source !== 'cloud') return undefined;
  return acted(reply(), `would forward the request for ${ref.base} to ollama.com (spends the owner's account)`);
}

/**
 * The native handler's model checks behind a compat writer: reference errors (400), unknown model (404),
 * else the action. `requiredFallback` is the handler's fallback for an empty model.
 */
function modelCheck(ctx: HandlerContext, model: string, write: ErrorWriter, fallback: { status: number; message: string }, notFoundMessage: string): { outcome?: HandlerOutcome; display: string } {
  const ref = resolveModelRef(model);
  if (!ref.ok) {
    const message = ref.error === 'unqualified' ? 'invalid model name' : ref.error === 'conflicting-source' ? ref.message : fallback.message;
    const status = ref.error === 'model-required' ? fallback.status : 400;
    return { outcome: rejected(write(status, message, WRITER), message), display: '' };
  }
  if (!ctx.store.find(ref.name)) return { outcome: rejected(write(404, notFoundMessage, WRITER), 'no such model'), display: '' };
  return { display: displayShortest(ref.name) };
}

function openAiJson(value: unknown): Reply {
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: `${goJson(value)}\n` };
}

const created = (): number => Math.floor(Date.now() / 1000);

function goTypeName(v: unknown): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'map[string]interface {}';
  return 'string';
}

function jsonKindForGo(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return Array.isArray(v) ? 'array' : 'object';
  return typeof v;
}

export const compatHandlers: Record<string, Record<string, Handler>> = {
  // middleware/openai.go@fb30760 L446-480, then ChatHandler
  'v1-chat-completions': {
    POST: (ctx) => {
      const cloud = cloudPassthrough(ctx, () => openAiJson({ object: 'chat.completion', choices: [] }));
      if (cloud) return cloud;
      const b = bindJson(ctx.body, 'ChatCompletionRequest', { model: 'string', messages: 'array', stream: 'bool' });
      if (!b.ok) return rejected(openAiError(400, b.message, MIDDLEWARE), b.message);
      const messages = (b.fields['messages'] ?? []) as unknown[];
      if (messages.length === 0) return rejected(openAiError(400, "[] is too short - 'messages'", MIDDLEWARE), 'no messages');
      const model = str(b.fields, 'model');
      const check = modelCheck(ctx, model, openAiError, { status: 400, message: 'model is required' }, `model '${model}' not found`);
      if (check.outcome) return check.outcome;
      return acted(openAiJson({ id: 'chatcmpl-1', object: 'chat.completion', created: created(), model, choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }] }), `would load ${check.display} and chat`);
    },
  },
  // L360-393 and openai/openai.go@fb30760 L787-803, then GenerateHandler
  'v1-completions': {
    POST: (ctx) => {
      const cloud = cloudPassthrough(ctx, () => openAiJson({ object: 'text_completion', choices: [] }));
      if (cloud) return cloud;
      const b = bindJson(ctx.body, 'CompletionRequest', { model: 'string', prompt: 'any', stop: 'any', stream: 'bool' });
      if (!b.ok) return rejected(openAiError(400, b.message, MIDDLEWARE), b.message);
      const stop = b.fields['stop'];
      if (Array.isArray(stop)) {
        const bad = stop.find((s) => typeof s !== 'string');
        if (bad !== undefined) {
          const message = `invalid type for 'stop' field: ${goTypeName(bad)}`;
          return rejected(openAiError(400, message, MIDDLEWARE), message);
        }
      }
      const model = str(b.fields, 'model');
      const check = modelCheck(ctx, model, openAiError, { status: 404, message: `model '${model}' not found` }, `model '${model}' not found`);
      if (check.outcome) return check.outcome;
      return acted(openAiJson({ id: 'cmpl-1', object: 'text_completion', created: created(), model, choices: [{ text: '', index: 0, finish_reason: 'stop' }] }), `would load ${check.display} and generate`);
    },
  },
  // L395-444, then EmbedHandler
  'v1-embeddings': {
    POST: (ctx) => {
      const cloud = cloudPassthrough(ctx, () => openAiJson({ object: 'list', data: [] }));
      if (cloud) return cloud;
      const b = bindJson(ctx.body, 'EmbedRequest', { model: 'string', input: 'any', encoding_format: 'string', dimensions: 'int' });
      if (!b.ok) return rejected(openAiError(400, b.message, MIDDLEWARE), b.message);
      const format = str(b.fields, 'encoding_format');
      if (format !== '' && format.toLowerCase() !== 'float' && format.toLowerCase() !== 'base64') {
        const message = `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`;
        return rejected(openAiError(400, message, MIDDLEWARE), message);
      }
      const input = b.fields['input'] === '' ? [''] : b.fields['input'];
      if (input === undefined || (Array.isArray(input) && input.length === 0)) return rejected(openAiError(400, 'invalid input', MIDDLEWARE), 'invalid input');
      const model = str(b.fields, 'model');
      const ref = resolveModelRef(model);
      if (!ref.ok) {
        const message = ref.error === 'unqualified' ? 'invalid model name' : ref.error === 'conflicting-source' ? ref.message : `model '${model}' not found`;
        return rejected(openAiError(ref.error === 'model-required' ? 404 : 400, message, WRITER), message);
      }
      const badInput = Array.isArray(input) ? input.some((v) => typeof v !== 'string') : typeof input !== 'string';
      if (badInput) return rejected(openAiError(400, 'invalid input type', WRITER), 'invalid input type');
      if (!ctx.store.find(ref.name)) return rejected(openAiError(404, `model "${model}" not found, try pulling it first`, WRITER), 'no such model');
      return acted(openAiJson({ object: 'list', data: [{ object: 'embedding', embedding: [0], index: 0 }], model }), `would load ${displayShortest(ref.name)} and embed`);
    },
  },
  // L267-274, L327-337
  'v1-models': {
    GET: (ctx) => {
      const list = (ctx.store.listResponse() as { models: Array<{ model: string; modified_at: string }> }).models;
      const data = list.length === 0 ? null : list.map((m) => ({ id: m.model, object: 'model', created: Math.floor(Date.parse(m.modified_at) / 1000), owned_by: 'library' }));
      return read(openAiJson({ object: 'list', data }));
    },
  },
  // server/cloud_proxy.go@fb30760 L139-157, middleware/openai.go@fb30760 L339-358, then ShowHandler
  'v1-models-model': {
    GET: (ctx) => {
      const model = ctx.params['model'] ?? '';
      const outcome = show(ctx, model);
      if (outcome.reply.status === 200) {
        return read(openAiJson({ id: model, object: 'model', created: created(), owned_by: 'library' }));
      }
      const message = (JSON.parse(outcome.reply.body) as { error: string }).error;
      return rejected(openAiError(outcome.reply.status, message, WRITER), outcome.note);
    },
  },
  // L1154-1200 and openai/responses.go@fb30760 L305-329, then ChatHandler
  'v1-responses': {
    POST: (ctx) => {
      const cloud = cloudPassthrough(ctx, () => openAiJson({ object: 'response', output: [] }));
      if (cloud) return cloud;
      const b = bindJson(ctx.body, 'ResponsesRequest', { model: 'string', input: 'any', stream: 'bool' });
      if (!b.ok) return rejected(openAiError(400, b.message, MIDDLEWARE), b.message);
      const input = b.fields['input'];
      if (input !== undefined && typeof input !== 'string' && !Array.isArray(input)) {
        const message = `input must be a string or array: json: cannot unmarshal ${jsonKindForGo(input)} into Go value of type []json.RawMessage`;
        return rejected(openAiError(400, message, MIDDLEWARE), message);
      }
      const model = str(b.fields, 'model');
      const check = modelCheck(ctx, model, openAiError, { status: 400, message: 'model is required' }, `model '${model}' not found`);
      if (check.outcome) return check.outcome;
      return acted(openAiJson({ id: 'resp_1', object: 'response', created_at: created(), model, status: 'completed', output: [] }), `would load ${check.display} and answer`);
    },
  },
  // L1277-1340, then ChatHandler
  'v1-audio-transcriptions': {
    POST: (ctx) => {
      const form = parseMultipart(ctx.headers['content-type'] ?? '', ctx.body);
      if (typeof form === 'string') {
        const message = `failed to parse multipart form: ${form}`;
        return rejected(openAiError(400, message, MIDDLEWARE), message);
      }
      const model = form.fields.get('model') ?? '';
      if (model === '') return rejected(openAiError(400, 'model is required', MIDDLEWARE), 'model is required');
      const file = form.files.get('file');
      if (file === undefined) return rejected(openAiError(400, 'file is required: http: no such file', MIDDLEWARE), 'file is required');
      if (file.length === 0) return rejected(openAiError(400, 'audio file is empty', MIDDLEWARE), 'audio file is empty');
      const check = modelCheck(ctx, model, openAiError, { status: 400, message: 'model is required' }, `model '${model}' not found`);
      if (check.outcome) return check.outcome;
      return acted(openAiJson({ text: '' }), `would load ${check.display} and transcribe ${file.length} bytes of audio`);
    },
  },
  // middleware/anthropic.go@fb30760 L731-760, then ChatHandler
  'v1-messages': {
    POST: (ctx) => {
      const cloud = cloudPassthrough(ctx, () => ginJson(200, { type: 'message', content: [] }));
      if (cloud) return cloud;
      const b = bindJson(ctx.body, 'MessagesRequest', { model: 'string', max_tokens: 'int', messages: 'array', stream: 'bool' });
      if (!b.ok) return rejected(anthropicError(400, b.message, MIDDLEWARE), b.message);
      const model = str(b.fields, 'model');
      if (model === '') return rejected(anthropicError(400, 'model is required', MIDDLEWARE), 'model is required');
      if (Number(b.fields['max_tokens'] ?? 0) <= 0) return rejected(anthropicError(400, 'max_tokens is required and must be positive', MIDDLEWARE), 'max_tokens missing');
      if (((b.fields['messages'] ?? []) as unknown[]).length === 0) return rejected(anthropicError(400, 'messages is required', MIDDLEWARE), 'messages missing');
      const check = modelCheck(ctx, model, anthropicError, { status: 400, message: 'model is required' }, `model '${model}' not found`);
      if (check.outcome) return check.outcome;
      return acted(ginJson(200, { id: 'msg_1', type: 'message', role: 'assistant', model, content: [], stop_reason: 'end_turn' }), `would load ${check.display} and chat`);
    },
  },
};

interface MultipartForm {
  fields: Map<string, string>;
  files: Map<string, Buffer>;
}

/**
 * Enough of multipart/form-data for the transcription checks. A string result is the error text Go's
 * ParseMultipartForm would give (the two a probe can meet; malformed parts are reported generically).
 */
function parseMultipart(contentType: string, body: Buffer): MultipartForm | string {
  const [mediaType, ...params] = contentType.split(';').map((s) => s.trim());
  if (mediaType?.toLowerCase() !== 'multipart/form-data') return "request Content-Type isn't multipart/form-data";
  const boundaryParam = params.find((p) => p.toLowerCase().startsWith('boundary='));
  if (!boundaryParam) return 'no multipart boundary param in Content-Type';
  const boundary = boundaryParam.slice('boundary='.length).replace(/^"(.*)"$/, '$1');
  const text = body.toString('latin1');
  const form: MultipartForm = { fields: new Map(), files: new Map() };
  const parts = text.split(`--${boundary}`);
  if (parts.length < 3) return 'multipart: NextPart: EOF';
  for (const part of parts.slice(1, -1)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return 'multipart: NextPart: malformed part';
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) continue;
    if (/\bfilename="/i.test(disposition)) form.files.set(name, Buffer.from(content, 'latin1'));
    else form.fields.set(name, Buffer.from(content, 'latin1').toString('utf8'));
  }
  return form;
}
