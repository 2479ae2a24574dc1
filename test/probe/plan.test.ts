/**
 * The probe plan is data from specs/routes.json: every route covered, nothing acting ever planned, and
 * a guard that refuses any request not derived from the catalogue right before it would be sent.
 */
import { describe, expect, test } from '@jest/globals';
import { routeCatalogue } from '../../src/probe/catalogue.js';
import { refusedVariants, validCredentials } from '../../src/probe/credentials.js';
import { assertSafe, buildPlan, handlerSpellings, unregisteredMethods, type PlannedRequest } from '../../src/probe/plan.js';
import { resolveTarget } from '../../src/probe/target.js';

const catalogue = routeCatalogue();
const basic = resolveTarget({ url: 'https://127.0.0.1:8443', basic: 'alice:correct-horse' });
const apiKey = resolveTarget({ url: 'https://127.0.0.1:8443', apiKey: 'oacKey123' });
const exposed = resolveTarget({ url: 'http://127.0.0.1:11434' });

describe('coverage', () => {
  const plan = buildPlan(catalogue, basic);

  test('every route of the catalogue is probed', () => {
    expect([...new Set(plan.map((r) => r.route.id))]).toEqual(catalogue.routes.map((r) => r.id));
  });

  test('every registered method the catalogue lets us send is probed, with and without credentials', () => {
    for (const route of catalogue.routes) {
      for (const reg of route.registrations.filter((r) => r.sendProbe)) {
        const sent = plan.filter((p) => p.route === route && p.method === reg.method && p.spelling === 'canonical');
        expect({ route: route.id, method: reg.method, variants: sent.map((p) => p.credentials.variant.id).slice(0, 2) })
          .toEqual({ route: route.id, method: reg.method, variants: route.public ? ['none'] : ['none', 'valid'] });
      }
    }
  });

  test('every other method, in both spellings the router treats alike, goes without credentials', () => {
    expect(unregisteredMethods(catalogue, catalogue.routes.find((r) => r.id === 'api-tags')!)).toEqual(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'get', 'OAC']);
    // /api/me: POST acts whatever the body, so GET stands in for it and is not repeated as "another method".
    expect(unregisteredMethods(catalogue, catalogue.routes.find((r) => r.id === 'api-me')!)).toEqual(['HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'post', 'OAC']);
    expect(plan.filter((p) => p.purpose === 'unregistered-method').every((p) => p.credentials.variant.id === 'none' && p.body === '')).toBe(true);
  });

  test('the spellings Ollama maps to the handler, made from each route\'s probe path', () => {
    expect(handlerSpellings(catalogue).map((s) => s.id)).toEqual(['percent-encoded-letter', 'percent-encoded-all', 'percent-encoded-slash', 'query-string', 'absolute-form']);
    const tags = plan.filter((p) => p.route.id === 'api-tags' && p.purpose === 'path-spelling').map((p) => [p.spelling, p.path, p.absoluteForm]);
    expect(tags).toEqual([
      ['percent-encoded-letter', '/%61pi/tags', false],
      ['percent-encoded-all', '/%61%70%69/%74%61%67%73', false],
      ['percent-encoded-slash', '/api%2Ftags', false],
      ['query-string', '/api/tags?oac=1', false],
      ['absolute-form', '/api/tags', true],
    ]);
    // `/` has no letter and no inner slash: only the spellings that apply.
    expect(plan.filter((p) => p.route.id === 'root' && p.purpose === 'path-spelling').map((p) => p.spelling)).toEqual(['query-string', 'absolute-form']);
  });

  test('a spelling the catalogue adds and the probe cannot make is an error, not a silent gap', () => {
    const extended = { ...catalogue, pathSpellings: [...catalogue.pathSpellings, { ...catalogue.pathSpellings[1]!, id: 'new-spelling' }] };
    expect(() => handlerSpellings(extended)).toThrow("specs/routes.json: path spelling new-spelling reaches Ollama's handler, but the probe does not know how to make it: add it to SPELLINGS in src/probe/plan.ts");
  });

  test('the exposed case: only requests without credentials', () => {
    expect(new Set(buildPlan(catalogue, exposed).map((p) => p.credentials.variant.id))).toEqual(new Set(['none']));
  });
});

describe('safety', () => {
  for (const [name, target] of [['Basic', basic], ['API key', apiKey], ['none', exposed]] as const) {
    test(`${name}: no planned request is one the catalogue says acts`, () => {
      for (const p of buildPlan(catalogue, target)) {
        assertSafe(p, catalogue);
        const reg = p.route.registrations.find((r) => r.method === p.method);
        if (reg !== undefined) {
          expect({ route: p.route.id, method: p.method, sendProbe: reg.sendProbe, body: p.body }).toEqual({ route: p.route.id, method: p.method, sendProbe: true, body: p.route.probe.body });
        } else {
          expect({ route: p.route.id, method: p.method, body: p.body }).toEqual({ route: p.route.id, method: p.method, body: '' });
        }
      }
    });
  }

  const base = buildPlan(catalogue, exposed).find((p) => p.route.id === 'api-pull' && p.purpose === 'registered-method')!;
  const me = buildPlan(catalogue, exposed).find((p) => p.route.id === 'api-me')!;
  test.each<[string, PlannedRequest, string]>([
    ['a real pull', { ...base, body: '{"model":"llama3"}' }, "refusing to send POST /api/pull (route api-pull): the body is not the catalogue's probe body"],
    ['POST /api/me, which acts whatever it holds', { ...me, method: 'POST' }, 'refusing to send POST /api/me (route api-me): the catalogue forbids sending POST to /api/me (with any body, asks ollama.com'],
    ['a body on a method the route does not register', { ...base, method: 'PUT', body: '{}' }, 'refusing to send PUT /api/pull (route api-pull): PUT is not registered for /api/pull, so it goes without a body'],
    ['a path the catalogue does not give', { ...base, path: '/api/pull/../delete' }, 'refusing to send POST /api/pull/../delete (route api-pull): the spelled path does not decode to /api/pull'],
    ['another route\'s path under this route', { ...base, canonicalPath: '/api/delete', path: '/api/delete' }, "refusing to send POST /api/delete (route api-pull): the path is not the catalogue's probe path /api/pull"],
    ['a route object that is not the catalogue\'s', { ...base, route: { ...base.route } }, "refusing to send POST /api/pull (route api-pull): the route is not one of the catalogue's"],
  ])('refuses %s', (_name, req, message) => {
    expect(() => assertSafe(req, catalogue)).toThrow(message);
  });
});

describe('credential variants', () => {
  test('Basic', () => {
    expect(refusedVariants(basic).map((v) => [v.variant.id, v.variant.family, v.scope])).toEqual([
      ['wrong-password', 'wrong', 'route'], ['wrong-user', 'wrong', 'once'], ['malformed-garbage', 'malformed', 'route'], ['malformed-empty', 'malformed', 'route'],
      ['malformed-scheme-only', 'malformed', 'route'], ['malformed-not-base64', 'malformed', 'route'], ['basic-as-bearer', 'malformed', 'route'],
    ]);
    expect(validCredentials(basic)).toMatchObject({ headers: { Authorization: `Basic ${Buffer.from('alice:correct-horse').toString('base64')}` }, shownHeaders: { Authorization: 'Basic <redacted>' }, curlArgs: ['-u', "'alice:<redacted>'"] });
  });

  test('API key: every variant, each shown redacted', () => {
    const variants = refusedVariants(apiKey);
    expect(variants.map((v) => v.variant.id)).toEqual([
      'wrong-key', 'malformed-garbage', 'malformed-empty', 'malformed-scheme-only', 'key-as-basic', 'key-without-scheme',
      'key-other-case', 'key-leading-whitespace', 'key-prefixed', 'key-suffixed', 'key-in-query-api_key', 'key-in-query-key', 'key-in-x-api-key',
    ]);
    const wire = Object.fromEntries(variants.map((v) => [v.variant.id, { ...v.headers, ...(v.query ? { query: `${v.query.name}=${v.query.value}` } : {}) }]));
    expect(wire['key-other-case']).toEqual({ Authorization: 'Bearer OACkEY123' });
    expect(wire['key-leading-whitespace']).toEqual({ Authorization: 'Bearer \toacKey123' });
    expect(wire['key-prefixed']).toEqual({ Authorization: 'Bearer xoacKey123' });
    expect(wire['key-suffixed']).toEqual({ Authorization: 'Bearer oacKey123x' });
    expect(wire['key-in-query-api_key']).toEqual({ query: 'api_key=oacKey123' });
    expect(wire['key-in-x-api-key']).toEqual({ 'X-API-Key': 'oacKey123' });
    for (const v of variants) expect(JSON.stringify([v.shownHeaders, v.curlArgs])).not.toContain('oacKey123');
  });

  test('a wrong user is tried once per probe, every other variant on every route', () => {
    const plan = buildPlan(catalogue, basic);
    expect(plan.filter((p) => p.credentials.variant.id === 'wrong-user')).toHaveLength(1);
    const protectedTemplates = plan.filter((p) => p.credentials.variant.id === 'valid').length;
    expect(plan.filter((p) => p.credentials.variant.id === 'wrong-password')).toHaveLength(protectedTemplates);
  });
});
