/**
 * "Did this request reach Ollama?": Ollama's own answer (from specs/routes.json) is reached; anything a
 * proxy says instead, a failed handshake or a closed connection is refused; silence is unknown.
 */
import { describe, expect, test } from '@jest/globals';
import type { OllamaAnswer } from '../../src/probe/catalogue.js';
import { classify } from '../../src/probe/classify.js';
import { routeCatalogue } from '../../src/probe/catalogue.js';
import { methodNotAllowedAnswer } from '../../src/probe/plan.js';
import type { ExchangeOutcome } from '../../src/rules/probe/observations.js';

const catalogue = routeCatalogue();
const route = (id: string) => catalogue.routes.find((r) => r.id === id)!;
const PULL = route('api-pull').probe.ollamaAnswer;
const TAGS = route('api-tags').probe.ollamaAnswer;
const response = (status: number, contentType: string | undefined, body: string, headers: Record<string, string> = {}): ExchangeOutcome => ({
  kind: 'response', status, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers }, bodySnippet: body,
});

describe('Ollama\'s own answers', () => {
  test('the exact validation error of POST /api/pull', () => {
    expect(classify(PULL, response(400, 'application/json; charset=utf-8', '{"error":"invalid model name"}'))).toEqual({
      reach: 'ollama',
      reason: expect.stringMatching(/^Ollama's own answer to this request: 400 \{"error":"invalid model name"\} \(parseNormalizePullModelRef/),
    });
  });
  test('GET /api/tags with any model list', () => {
    expect(classify(TAGS, response(200, 'application/json; charset=utf-8', '{"models":[{"name":"llama3:latest"}]}')).reach).toBe('ollama');
  });
  test('gin\'s 405 with the route\'s Allow header (an unregistered method)', () => {
    const expected = methodNotAllowedAnswer(catalogue, route('api-tags'), 'PUT');
    expect(classify(expected, response(405, 'text/plain', '405 method not allowed', { allow: 'HEAD, GET' })).reach).toBe('ollama');
  });
  test('HEAD: no body, but gin\'s Content-Type and Allow', () => {
    const expected = methodNotAllowedAnswer(catalogue, route('api-ps'), 'HEAD');
    expect(expected.body).toBe('');
    expect(classify(expected, response(405, 'text/plain', '', { allow: 'GET' })).reach).toBe('ollama');
  });
  test('a body too long to keep whole: status and Content-Type decide', () => {
    const outcome = { ...response(200, 'application/json; charset=utf-8', '{"models":[{"name":"a"'), truncated: true } as ExchangeOutcome;
    expect(classify(TAGS, outcome).reach).toBe('ollama');
  });
  test('a newer Ollama whose wording moved: its JSON error shape still counts as reached', () => {
    expect(classify(PULL, response(400, 'application/json; charset=utf-8', '{"error":"model name is not valid"}'))).toEqual({
      reach: 'ollama',
      reason: 'an error in Ollama\'s JSON shape (400 {"error":"model name is not valid"}), though not the exact answer the catalogue records (a body that does not match ^\\{"error":"invalid model name"\\}$)',
    });
  });
});

describe('refused: something in front of Ollama answered', () => {
  test.each([
    ['nginx 401', response(401, 'text/html', '<html><head><title>401 Authorization Required</title></head></html>')],
    ['a proxy 401 in JSON', response(401, 'application/json; charset=utf-8', '{"error":"unauthorized"}')],
    ['a 403', response(403, 'text/plain', 'forbidden')],
    ['nginx\'s 400 for a missing client certificate', response(400, 'text/html', '<html>400 No required SSL certificate was sent</html>')],
    ['nginx\'s own 405 page', response(405, 'text/html', '<html>405 Not Allowed</html>')],
    ['a proxy 404', response(404, 'text/plain; charset=utf-8', 'not found')],
    ['a 502 from a proxy whose upstream is down', response(502, 'text/html', 'Bad Gateway')],
    ['a 200 of the proxy\'s own', response(200, 'text/html', '<html>welcome</html>')],
  ])('%s', (_name, outcome) => {
    expect(classify(PULL, outcome).reach).toBe('refused');
  });
  test('the reason says what came back and what Ollama answers', () => {
    expect(classify(PULL, response(401, 'text/html', 'Authorization Required')).reason).toBe(
      '401 Authorization Required is not Ollama\'s answer (status 401, not 400; Ollama answers 400 {"error":"invalid model name"})',
    );
  });
  test('a HEAD 400 without a body is not Ollama\'s when the Content-Type is the proxy\'s', () => {
    const head = route('api-blobs').registrations.find((r) => r.method === 'HEAD')!.ollamaAnswer!;
    expect(classify(head, response(400, 'text/html', '')).reach).toBe('refused');
    expect(classify(head, response(400, 'application/json; charset=utf-8', '')).reach).toBe('ollama');
  });
  test('a 405 without Ollama\'s Allow header is the proxy\'s', () => {
    const expected = methodNotAllowedAnswer(catalogue, route('api-tags'), 'HEAD');
    expect(classify(expected, response(405, 'text/plain', '')).reach).toBe('refused');
  });
  test.each<[ExchangeOutcome, string, string]>([
    [{ kind: 'tls-refused', message: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }, 'refused', 'the TLS handshake was refused (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)'],
    [{ kind: 'connection-closed', message: 'ECONNRESET: socket hang up' }, 'refused', 'the connection was closed without an answer (ECONNRESET: socket hang up)'],
    [{ kind: 'timeout', message: 'no answer within 5000 ms' }, 'unknown', 'timeout: no answer within 5000 ms'],
    [{ kind: 'unreachable', message: 'ECONNREFUSED' }, 'unknown', 'unreachable: ECONNREFUSED'],
    [{ kind: 'not-sent', message: 'not sent, because …' }, 'unknown', 'not-sent: not sent, because …'],
  ])('%j', (outcome, reach, reason) => {
    expect(classify(PULL as OllamaAnswer, outcome)).toEqual({ reach, reason });
  });
});
