/**
 * What the emulator serves: registry manifests and blobs (Ollama's Docker manifest v2 shape, with
 * `application/vnd.ollama.image.*` layers) and the cloud model list of ollama.com's /api/tags.
 *
 * The blobs are tiny but real: every digest and size in a manifest is the SHA-256 and length of bytes
 * the emulator can serve, so a client that verifies what it downloads works against it.
 */
import { createHash } from 'node:crypto';
import { OacError } from '../errors.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ModelCatalogue {
  /** Manifest JSON text by `<ns>/<model>:<tag>` (e.g. `library/llama3:latest`), served byte for byte. */
  manifests: Map<string, string>;
  /** Blob bytes by digest (`sha256:<hex>`). */
  blobs: Map<string, Uint8Array>;
  /**
   * Other names of a manifest: `<ns>/<model>:<tag>` → its key in `manifests` (see addModelAlias). A name in
   * `manifests` itself (a PUT) wins over an alias of the same name.
   */
  aliases?: Map<string, string>;
}

/** A registry model name split the way the catalogue keys it (`<repository>:<tag>`). */
export interface ModelName {
  readonly repository: string;
  /** A tag, or a digest (`sha256:<hex>`) when the client names the manifest by its digest. */
  readonly tag: string;
}

/** The one model the default catalogue holds. */
export const DEFAULT_MODEL: ModelName = { repository: 'library/llama3', tag: 'latest' };

/** The catalogue key of a model name. */
export function catalogueKey(model: ModelName): string {
  return `${model.repository}:${model.tag}`;
}

/** One entry of ollama.com's `GET /api/tags` (Ollama's `api.ListModelResponse`). */
export interface CloudModel {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: {
    parent_model: string;
    format: string;
    family: string;
    families: string[] | null;
    parameter_size: string;
    quantization_level: string;
  };
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

interface ModelLayer {
  mediaType: string;
  content: Uint8Array | string;
}

/** Adds `<name>:<tag>` to the catalogue: stores the config and layer blobs and a manifest that points at them. */
export function addModel(catalogue: ModelCatalogue, nameAndTag: string, config: Record<string, unknown>, layers: ModelLayer[]): string {
  const blob = (content: Uint8Array | string, mediaType: string): Descriptor => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const digest = sha256Digest(bytes);
    catalogue.blobs.set(digest, new Uint8Array(bytes));
    return { mediaType, digest, size: bytes.length };
  };
  const layerDescriptors = layers.map((l) => blob(l.content, l.mediaType));
  const configJson = JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: layerDescriptors.map((d) => d.digest) } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: blob(configJson, CONFIG_MEDIA_TYPE),
    layers: layerDescriptors,
  });
  catalogue.manifests.set(nameAndTag, manifest);
  return manifest;
}

/**
 * Serves the manifest `target` under the name `alias` too: the same bytes, so the same digest and blobs.
 * This is how the conformance server serves its one golden model under whatever name the client under test
 * asked for, without rewriting the client's requests (a token request is signed over its URL, scope
 * included, so a rewritten request could no longer be verified).
 */
export function addModelAlias(catalogue: ModelCatalogue, alias: string, target: string): void {
  if (!catalogue.manifests.has(target)) {
    throw new OacError('emulator/bad-option', `cannot serve ${alias} as ${target}: the catalogue has no manifest ${target} (it has: ${[...catalogue.manifests.keys()].join(', ') || 'none'})`);
  }
  if (alias === target) return;
  (catalogue.aliases ??= new Map()).set(alias, target);
}

/** The manifest text served under `key` (`<repository>:<tag>`): its own, else that of the manifest it aliases. */
export function findManifest(catalogue: ModelCatalogue, key: string): string | undefined {
  const own = catalogue.manifests.get(key);
  if (own !== undefined) return own;
  const target = catalogue.aliases?.get(key);
  return target === undefined ? undefined : catalogue.manifests.get(target);
}

/** An empty GGUF v3 file: magic, version 3, zero tensors, zero metadata entries (24 bytes). */
function emptyGguf(): Uint8Array {
  const bytes = Buffer.alloc(24);
  bytes.write('GGUF', 0, 'latin1');
  bytes.writeUInt32LE(3, 4);
  return bytes;
}

/** The default catalogue's contents, hashed once per process (every scenario's emulator starts from them). */
let defaultContents: { manifests: [string, string][]; blobs: [string, Uint8Array][] } | undefined;

/**
 * `library/llama3:latest`, laid out like the real one (model, license, template, params). A new catalogue
 * each time (PUTs and aliases change only that one); the blob bytes are shared and never written to.
 */
export function defaultCatalogue(): ModelCatalogue {
  if (defaultContents === undefined) {
    const built = buildDefaultCatalogue();
    defaultContents = { manifests: [...built.manifests], blobs: [...built.blobs] };
  }
  return { manifests: new Map(defaultContents.manifests), blobs: new Map(defaultContents.blobs) };
}

function buildDefaultCatalogue(): ModelCatalogue {
  const catalogue: ModelCatalogue = { manifests: new Map(), blobs: new Map() };
  addModel(catalogue, catalogueKey(DEFAULT_MODEL), {
    model_format: 'gguf',
    model_family: 'llama',
    model_families: ['llama'],
    model_type: '8.0B',
    file_type: 'Q4_0',
    architecture: 'amd64',
    os: 'linux',
  }, [
    { mediaType: 'application/vnd.ollama.image.model', content: emptyGguf() },
    { mediaType: 'application/vnd.ollama.image.license', content: 'Emulator test model: not a real model, no weights.\n' },
    { mediaType: 'application/vnd.ollama.image.template', content: '{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>' },
    { mediaType: 'application/vnd.ollama.image.params', content: JSON.stringify({ num_keep: 24, stop: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'] }) },
  ]);
  return catalogue;
}

function cloudModel(name: string, family: string, parameterSize: string, quantization: string, modifiedAt: string): CloudModel {
  return {
    name,
    model: name,
    modified_at: modifiedAt,
    size: 384,
    digest: createHash('sha256').update(name).digest('hex'),
    details: { parent_model: '', format: '', family, families: null, parameter_size: parameterSize, quantization_level: quantization },
  };
}

export function defaultCloudModels(): CloudModel[] {
  return [
    cloudModel('gpt-oss:120b-cloud', 'gptoss', '116.8B', 'MXFP4', '2025-09-18T00:00:00Z'),
    cloudModel('qwen3-coder:480b-cloud', 'qwen3moe', '480.2B', 'FP8', '2025-09-18T00:00:00Z'),
  ];
}
