/**
 * "Did this request reach Ollama?" An answer counts as Ollama's when it is what Ollama itself gives to
 * exactly that request (status, Content-Type, a body matching the catalogue's pattern, headers such as
 * Allow); anything else came from something in front of it. A failed handshake or a closed connection
 * is a refusal; a timeout, an unreachable host or a request the probe did not send says nothing.
 *
 * One fallback keeps a newer Ollama (whose exact wording moved) from passing as "refused": an error in
 * Ollama's own shape (`{"error":…}` as gin's c.JSON writes it, or gin's 404/405 text) counts as Ollama's,
 * except for 401/403/407, which are what proxies refuse with.
 */
import type { ExchangeOutcome, Reach } from '../rules/probe/observations.js';
import type { OllamaAnswer } from './catalogue.js';

export interface Classification {
  reach: Reach;
  reason: string;
}

/** gin's c.JSON Content-Type, and gin's own 404/405 bodies (specs/routes.json router.notFound/methodNotAllowed). */
const GIN_JSON = 'application/json; charset=utf-8';
const GIN_ROUTER_BODIES = new Set(['404 page not found', '405 method not allowed']);
const PROXY_REFUSALS = new Set([401, 403, 407]);

function normaliseMediaType(value: string | undefined): string {
  return (value ?? '').toLowerCase().replace(/\s+/g, '');
}

function short(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describeAnswer(a: OllamaAnswer): string {
  const body = a.body !== undefined ? (a.body === '' ? '' : ` ${short(a.body)}`) : ` matching ${a.bodyMatch}`;
  const headers = Object.entries(a.headers ?? {}).map(([k, v]) => `, ${k}: ${v}`).join('');
  return `${a.status}${body}${headers}`;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  return headers[name.toLowerCase()];
}

/** Why the response differs from Ollama's answer (undefined: it is Ollama's answer). */
function difference(expected: OllamaAnswer, status: number, headers: Record<string, string>, body: string, truncated: boolean): string | undefined {
  if (status !== expected.status) return `status ${status}, not ${expected.status}`;
  if (normaliseMediaType(headerValue(headers, 'content-type')) !== normaliseMediaType(expected.contentType)) {
    return `Content-Type ${headerValue(headers, 'content-type') ?? '(none)'}, not ${expected.contentType}`;
  }
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (headerValue(headers, name) !== value) return `${name}: ${headerValue(headers, name) ?? '(none)'}, not ${value}`;
  }
  // A body cut at the transport's limit cannot be matched whole; status and Content-Type decided above.
  if (!truncated && !new RegExp(expected.bodyMatch).test(body)) return `a body that does not match ${expected.bodyMatch}`;
  return undefined;
}

function ollamaShaped(status: number, headers: Record<string, string>, body: string): string | undefined {
  if (PROXY_REFUSALS.has(status)) return undefined;
  const type = normaliseMediaType(headerValue(headers, 'content-type'));
  if (type === normaliseMediaType(GIN_JSON) && /^\{"error":/.test(body)) return 'an error in Ollama\'s JSON shape';
  if (type === 'text/plain' && GIN_ROUTER_BODIES.has(body)) return 'gin\'s own router answer';
  if (/^Ollama is running$/.test(body)) return 'Ollama\'s "Ollama is running"';
  return undefined;
}

export function classify(expected: OllamaAnswer, outcome: ExchangeOutcome): Classification {
  switch (outcome.kind) {
    case 'tls-refused':
      return { reach: 'refused', reason: `the TLS handshake was refused (${outcome.message})` };
    case 'connection-closed':
      return { reach: 'refused', reason: `the connection was closed without an answer (${outcome.message})` };
    case 'timeout':
    case 'unreachable':
    case 'not-sent':
      return { reach: 'unknown', reason: `${outcome.kind}: ${outcome.message}` };
    case 'response':
      break;
  }
  const { status, headers, bodySnippet: body } = outcome;
  const truncated = outcome.truncated === true;
  const diff = difference(expected, status, headers, body, truncated);
  if (diff === undefined) return { reach: 'ollama', reason: `Ollama's own answer to this request: ${describeAnswer(expected)} (${short(expected.why, 160)})` };
  const shape = ollamaShaped(status, headers, body);
  if (shape !== undefined) return { reach: 'ollama', reason: `${shape} (${status} ${short(body)}), though not the exact answer the catalogue records (${diff})` };
  return { reach: 'refused', reason: `${status}${body.trim() === '' ? '' : ` ${short(body)}`} is not Ollama's answer (${diff}; Ollama answers ${describeAnswer(expected)})` };
}
