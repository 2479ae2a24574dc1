/**
 * What `oac record` runs for each flow and variant: the reference client's calls, the cassette they
 * belong in, and the docs/protocol.md facts a successful run is evidence for.
 */
import { OacError } from '../errors.js';
import type { OllamaKey } from '../keys/index.js';
import {
  apiKeyRequest, basicRequest, listTags, registryRequest, signedRequest, whoami, type HttpOptions, type RegistryResult,
} from '../reference/index.js';
import type { ProvenanceFlow, Provenance } from './har.js';

export const RECORD_FLOWS = ['registry', 'direct', 'api-key', 'basic'] as const;
export type RecordFlow = (typeof RECORD_FLOWS)[number];

/** What a variant needs from the recording context. */
export interface FlowContext {
  /** `https://registry.ollama.ai` or a stand-in's origin. */
  registryOrigin: string;
  /** `https://ollama.com` or a stand-in's origin. */
  apiOrigin: string;
  model: ModelRef;
  key: OllamaKey | undefined;
  apiKey: string | undefined;
  basic: { user: string; pass: string } | undefined;
  http: HttpOptions;
  /** Unix seconds (the reference client's `ts`). */
  now: () => number;
  nonceBytes: (() => Uint8Array) | undefined;
  /** Prepared before recording (not recorded): e.g. the manifest bytes a push sends. */
  prepared: Prepared;
}

interface Prepared {
  manifest?: string;
}

export interface ModelRef {
  namespace: string;
  name: string;
  tag: string;
}

export interface VariantSpec {
  flow: RecordFlow;
  variant: string;
  /** The cassette, relative to recordings/. */
  cassette: string;
  provenanceFlow: ProvenanceFlow;
  action?: Provenance['action'];
  facts: string[];
  /** One line for provenance notes and the README. */
  summary: string;
  needs: { key?: boolean; apiKey?: boolean; basic?: boolean };
  /** Writes to the target (a push): against the live service only with explicit consent. */
  writes?: boolean;
  /** Unrecorded set-up, run before Polly starts. */
  prepare?: (ctx: FlowContext) => Promise<Prepared>;
  run: (ctx: FlowContext) => Promise<RunSummary>;
}

interface RunSummary {
  /** Token requests the run made (registry flows must make at least one to be a handshake). */
  tokenRequests: number;
}

export const DEFAULT_MODEL = 'library/llama3:latest';

/** `ns/name:tag`, `name:tag` (namespace library) or `ns/name` (tag latest), Ollama's own defaults. */
export function parseModel(text: string): ModelRef {
  const m = /^(?:([a-z0-9][a-z0-9._-]*)\/)?([a-z0-9][a-z0-9._-]*)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$/.exec(text);
  if (!m) throw new OacError('record/bad-model', `--model must look like ns/name:tag (lower-case names), got ${JSON.stringify(text)}`);
  return { namespace: m[1] ?? 'library', name: m[2]!, tag: m[3] ?? 'latest' };
}

function manifestUrl(registryOrigin: string, model: ModelRef): string {
  return `${registryOrigin}/v2/${model.namespace}/${model.name}/manifests/${model.tag}`;
}

function registryCall(ctx: FlowContext, method: 'GET' | 'PUT', token?: string): Promise<RegistryResult> {
  const body = method === 'PUT' ? ctx.prepared.manifest : undefined;
  if (method === 'PUT' && body === undefined) throw new OacError('record/internal', 'push without a prepared manifest');
  return registryRequest({
    url: manifestUrl(ctx.registryOrigin, ctx.model),
    method,
    key: requireKey(ctx),
    http: ctx.http,
    now: ctx.now,
    ...(ctx.nonceBytes ? { nonceBytes: ctx.nonceBytes } : {}),
    ...(method === 'PUT' ? { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body } : {}),
    ...(token === undefined ? {} : { token }),
  });
}

function requireKey(ctx: FlowContext): OllamaKey {
  if (ctx.key === undefined) throw new OacError('record/no-key', 'this flow signs requests: pass --key (an Ollama ed25519 key file)');
  return ctx.key;
}

function tokenRequests(result: RegistryResult): number {
  return result.exchanges.filter((e) => e.step === 'token').length;
}

/** The manifest a push sends back: what the registry serves for the model (fetched without recording). */
async function prepareManifest(ctx: FlowContext): Promise<Prepared> {
  const result = await registryCall(ctx, 'GET');
  return { manifest: result.response.body.toString('utf8') };
}

const REGISTRY_FACTS = ['§1.1', '§1.3', '§1.4', '§1.5', '§1.6', 'REG-01', 'REG-05', 'REG-06', 'REG-07', 'REG-08', 'REG-09', 'REG-13', 'REG-16'];

export const VARIANTS: readonly VariantSpec[] = [
  {
    flow: 'registry',
    variant: 'pull',
    cassette: 'registry/pull-manifest.har',
    provenanceFlow: 'registry',
    action: 'registry-manifest',
    facts: REGISTRY_FACTS,
    summary: 'GET manifest → 401 Bearer challenge (scope pull) → signed GET of the token URL → token → retry with Bearer → 200',
    needs: { key: true },
    run: async (ctx) => ({ tokenRequests: tokenRequests(await registryCall(ctx, 'GET')) }),
  },
  {
    flow: 'registry',
    variant: 'push-scope',
    cassette: 'registry/push-scope.har',
    provenanceFlow: 'registry',
    facts: [...REGISTRY_FACTS, '§1.2'],
    summary: 'PUT manifest → 401 Bearer challenge with scope "repository:<ns>/<model>:pull,push" (one item, comma inside the quotes) → token → retry with the same body → 201',
    needs: { key: true },
    writes: true,
    prepare: prepareManifest,
    run: async (ctx) => ({ tokenRequests: tokenRequests(await registryCall(ctx, 'PUT')) }),
  },
  {
    flow: 'registry',
    variant: 'multiple-scopes',
    cassette: 'registry/multiple-scopes.har',
    provenanceFlow: 'registry',
    facts: [...REGISTRY_FACTS, 'REG-15'],
    summary: 'pull (scope pull, token #1) then push of the same manifest reusing token #1 → 401 challenge for pull,push → token #2 → 201: a token is bound to the scopes it was requested for',
    needs: { key: true },
    writes: true,
    run: async (ctx) => {
      const pull = await registryCall(ctx, 'GET');
      const withManifest: FlowContext = { ...ctx, prepared: { manifest: pull.response.body.toString('utf8') } };
      const push = await registryCall(withManifest, 'PUT', pull.token);
      return { tokenRequests: tokenRequests(pull) + tokenRequests(push) };
    },
  },
  {
    flow: 'direct',
    variant: 'tags',
    cassette: 'direct/tags.har',
    provenanceFlow: 'direct',
    action: 'cloud-tags',
    facts: ['§2.1', '§2.2', 'DIR-01', 'DIR-03', 'DIR-04', 'DIR-05'],
    summary: 'GET /api/tags?ts=<unix> signed "GET,/api/tags?ts=<unix>" (api/client.go, S1), raw <pubkey>:<signature> header',
    needs: { key: true },
    run: async (ctx) => {
      await listTags(ctx.apiOrigin, requireKey(ctx), { now: ctx.now, http: ctx.http });
      return { tokenRequests: 0 };
    },
  },
  {
    flow: 'direct',
    variant: 'whoami',
    cassette: 'direct/whoami.har',
    provenanceFlow: 'direct',
    action: 'cloud-whoami',
    facts: ['§2.1', '§2.2', 'DIR-01', 'DIR-03', 'DIR-04', 'DIR-05'],
    summary: 'POST /api/me?ts=<unix> signed "POST,/api/me?ts=<unix>" (api.Client.Whoami, what `ollama signin` checks); account fields redacted',
    needs: { key: true },
    run: async (ctx) => {
      await whoami(ctx.apiOrigin, requireKey(ctx), { now: ctx.now, http: ctx.http });
      return { tokenRequests: 0 };
    },
  },
  {
    flow: 'direct',
    variant: 'request-uri',
    cassette: 'direct/request-uri-tags.har',
    provenanceFlow: 'direct',
    facts: ['§2.1', '§2.2', 'DIR-02', 'DIR-03', 'DIR-05'],
    summary: 'GET /api/tags?a=1&b=2&ts=<unix> signed "GET,<RequestURI>" (cloud proxy, S2): every query parameter sorted, ts set once',
    needs: { key: true },
    run: async (ctx) => {
      await signedRequest({ baseUrl: ctx.apiOrigin, method: 'GET', path: '/api/tags?b=2&a=1', flavour: 'request-uri', key: requireKey(ctx), now: ctx.now, http: ctx.http });
      return { tokenRequests: 0 };
    },
  },
  {
    flow: 'api-key',
    variant: 'tags',
    cassette: 'apikey/tags.har',
    provenanceFlow: 'apikey',
    action: 'apikey-tags',
    facts: ['§3', 'KEY-API-01'],
    summary: 'GET /api/tags with Authorization: Bearer <OLLAMA_API_KEY>',
    needs: { apiKey: true },
    run: async (ctx) => {
      if (ctx.apiKey === undefined) throw new OacError('record/no-api-key', 'the api-key flow needs an API key: pass --api-key-file or set OLLAMA_API_KEY');
      await apiKeyRequest({ baseUrl: ctx.apiOrigin, method: 'GET', path: '/api/tags', apiKey: ctx.apiKey, allowedOrigins: [ctx.apiOrigin], http: ctx.http });
      return { tokenRequests: 0 };
    },
  },
  {
    flow: 'basic',
    variant: 'tags',
    cassette: 'basic/tags.har',
    provenanceFlow: 'basic',
    action: 'basic-tags',
    facts: ['§1.8'],
    summary: 'GET /api/tags with Authorization: Basic base64(user:pass) (a proxied self-hosted Ollama)',
    needs: { basic: true },
    run: async (ctx) => {
      if (ctx.basic === undefined) throw new OacError('record/no-basic', 'the basic flow needs credentials: pass --basic-file (user:pass) or set OAC_BASIC_AUTH');
      await basicRequest({ url: ctx.apiOrigin, path: '/api/tags', username: ctx.basic.user, password: ctx.basic.pass, http: ctx.http });
      return { tokenRequests: 0 };
    },
  },
];

export function variantsOf(flow: RecordFlow): VariantSpec[] {
  return VARIANTS.filter((v) => v.flow === flow);
}

export function findVariant(flow: string, variant: string | undefined): VariantSpec {
  if (!(RECORD_FLOWS as readonly string[]).includes(flow)) {
    throw new OacError('record/bad-flow', `--flow must be one of ${RECORD_FLOWS.join(', ')}, got ${JSON.stringify(flow)}`);
  }
  const candidates = variantsOf(flow as RecordFlow);
  const spec = variant === undefined ? candidates[0] : candidates.find((v) => v.variant === variant);
  if (spec === undefined) {
    throw new OacError('record/bad-variant', `--variant for ${flow} must be one of ${candidates.map((v) => v.variant).join(', ')}, got ${JSON.stringify(variant)}`);
  }
  return spec;
}
