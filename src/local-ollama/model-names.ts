/**
 * Ollama's model references as its handlers judge them: the `:cloud` / `-cloud` / `:local` source suffix
 * (internal/modelref/modelref.go@fb30760 L28-118) and the host/namespace/model:tag name with its validity
 * rules (types/model/name.go@fb30760 L140-176, L262-372).
 */

const DEFAULT_HOST = 'registry.ollama.ai';
const DEFAULT_NAMESPACE = 'library';
const DEFAULT_TAG = 'latest';
const MISSING = '!MISSING!';

export interface ModelName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

type ModelSource = 'unspecified' | 'local' | 'cloud';

type ParsedRef =
  | { ok: true; original: string; base: string; source: ModelSource }
  | { ok: false; error: 'model-required' | 'conflicting-source'; message: string };

function parseSourceSuffix(raw: string): { base: string; source: ModelSource; explicit: boolean } {
  const idx = raw.lastIndexOf(':');
  if (idx >= 0) {
    const suffixRaw = raw.slice(idx + 1).trim();
    const suffix = suffixRaw.toLowerCase();
    if (suffix === 'cloud') return { base: raw.slice(0, idx), source: 'cloud', explicit: true };
    if (suffix === 'local') return { base: raw.slice(0, idx), source: 'local', explicit: true };
    if (!suffixRaw.includes('/') && suffix.endsWith('-cloud')) {
      return { base: raw.slice(0, idx + 1) + suffixRaw.slice(0, suffixRaw.length - '-cloud'.length), source: 'cloud', explicit: true };
    }
  }
  return { base: raw, source: 'unspecified', explicit: false };
}

/** modelref.ParseRef. */
function parseRef(raw: string): ParsedRef {
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, error: 'model-required', message: 'model is required' };
  const { base, source, explicit } = parseSourceSuffix(trimmed);
  if (explicit && parseSourceSuffix(base).explicit) {
    return { ok: false, error: 'conflicting-source', message: `use either :local or :cloud, not both: ${goQuote(trimmed)}` };
  }
  return { ok: true, original: trimmed, base, source };
}

function cutPromised(s: string, sep: string): { before: string; after: string; ok: boolean } {
  const i = s.lastIndexOf(sep);
  if (i < 0) return { before: s, after: '', ok: false };
  return { before: s.slice(0, i) || MISSING, after: s.slice(i + sep.length) || MISSING, ok: true };
}

/** model.ParseName: the bare parse merged with the defaults. */
export function parseName(s: string): ModelName {
  const n = { host: '', namespace: '', model: '', tag: '' };
  let rest = s;
  if (rest.lastIndexOf(':') > rest.lastIndexOf('/')) {
    const cut = cutPromised(rest, ':');
    rest = cut.before;
    n.tag = cut.after;
  }
  const m = cutPromised(rest, '/');
  if (!m.ok) {
    n.model = rest;
  } else {
    n.model = m.after;
    const ns = cutPromised(m.before, '/');
    if (!ns.ok) {
      n.namespace = m.before;
    } else {
      n.namespace = ns.after;
      const schemeCut = ns.before.indexOf('://');
      n.host = schemeCut >= 0 ? ns.before.slice(schemeCut + 3) : ns.before;
    }
  }
  return { host: n.host || DEFAULT_HOST, namespace: n.namespace || DEFAULT_NAMESPACE, model: n.model, tag: n.tag || DEFAULT_TAG };
}

function isAlnumUnderscore(c: string): boolean {
  return /^[A-Za-z0-9_]$/.test(c);
}

function isValidPart(kind: 'host' | 'namespace' | 'model' | 'tag', s: string): boolean {
  const max = kind === 'host' ? 350 : 80;
  if (s.length < 1 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (i === 0) {
      if (!isAlnumUnderscore(c)) return false;
      continue;
    }
    if (c === '_' || c === '-') continue;
    if (c === '.') {
      if (kind === 'namespace') return false;
      continue;
    }
    if (c === ':') {
      if (kind !== 'host') return false;
      continue;
    }
    if (!isAlnumUnderscore(c)) return false;
  }
  return true;
}

export function isValidName(n: ModelName): boolean {
  return isValidPart('host', n.host) && isValidPart('namespace', n.namespace) && isValidPart('model', n.model) && isValidPart('tag', n.tag);
}

export function displayShortest(n: ModelName): string {
  let prefix = '';
  if (n.host.toLowerCase() !== DEFAULT_HOST) prefix = `${n.host}/${n.namespace}/`;
  else if (n.namespace.toLowerCase() !== DEFAULT_NAMESPACE) prefix = `${n.namespace}/`;
  return `${prefix}${n.model}:${n.tag}`;
}

export function nameKey(n: ModelName): string {
  return `${n.host}/${n.namespace}/${n.model}:${n.tag}`.toLowerCase();
}

/** Go's %q for the strings these handlers quote (ASCII printable plus the usual escapes). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * parseAndValidateModelRef (server/model_resolver.go@fb30760 L36-55) and, with `forPull`,
 * parseNormalizePullModelRef (L57-81): a `:cloud` name keeps its legacy pull spelling.
 */
export type ModelRef =
  | { ok: true; original: string; base: string; name: ModelName; source: ModelSource }
  | { ok: false; error: 'model-required' | 'conflicting-source' | 'unqualified'; message: string };

export function resolveModelRef(raw: string, forPull = false): ModelRef {
  const ref = parseRef(raw);
  if (!ref.ok) return ref;
  let base = ref.base;
  if (forPull && ref.source === 'cloud') {
    const lastSlash = base.lastIndexOf('/');
    base = base.lastIndexOf(':') > lastSlash ? `${base}-cloud` : `${base}:cloud`;
  }
  const name = parseName(base);
  if (!isValidName(name)) return { ok: false, error: 'unqualified', message: 'invalid model name' };
  return { ok: true, original: ref.original, base, name, source: ref.source };
}
