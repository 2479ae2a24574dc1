/** specs/routes.json: valid against its schema, internally consistent, and complete for fb30760. */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRouteCatalogue } from '../../src/local-ollama/index.js';
import { SpecValidator } from '../../src/specs/validate.js';

const validator = SpecValidator.fromDirectory();
const raw = JSON.parse(readFileSync('specs/routes.json', 'utf8')) as Record<string, unknown>;
const catalogue = loadRouteCatalogue();

describe('specs/routes.json against specs/schemas/routes.schema.json', () => {
  test('is valid', () => {
    expect(validator.validate('routes', raw)).toEqual({ ok: true, errors: [] });
  });

  test('bite: a probe model name with a :cloud suffix, an unknown effect and a redirect without location are refused', () => {
    const copy = structuredClone(raw) as { probeValues: { invalidModel: string }; routes: Array<{ effect: string }>; pathSpellings: Array<Record<string, unknown>> };
    copy.probeValues.invalidModel = 'oac-probe:cloud';
    copy.routes[0]!.effect = 'delete-everything';
    delete copy.pathSpellings.find((s) => s['outcome'] === 'redirect')!['location'];
    const result = validator.validate('routes', copy);
    expect(result.ok).toBe(false);
    const paths = result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/probeValues/invalidModel', '/routes/0/effect']));
    expect(paths.some((p) => p.startsWith('/pathSpellings/'))).toBe(true);
  });

  test('loadRouteCatalogue checks another catalogue file against the schema and names the failing pointer', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oac-routes-'));
    try {
      const file = path.join(dir, 'routes.json');
      const copy = structuredClone(raw) as { routes: Array<{ probe: { method: string } }> };
      copy.routes[3]!.probe.method = 'GET /';
      writeFileSync(file, JSON.stringify(copy));
      expect(() => loadRouteCatalogue(file)).toThrow(`${file}: /routes/3/probe/method:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bite: a read registration with an `acts` rule, or an acting one without, is refused', () => {
    const copy = structuredClone(raw) as { routes: Array<{ id: string; registrations: Array<{ acts: string | null }> }> };
    copy.routes.find((r) => r.id === 'api-tags')!.registrations[0]!.acts = 'lists models';
    copy.routes.find((r) => r.id === 'api-pull')!.registrations[0]!.acts = null;
    expect(validator.validate('routes', copy).ok).toBe(false);
  });
});

describe('the route table of fb30760', () => {
  const registrations = catalogue.routes.flatMap((r) => r.registrations.map((g) => `${g.method} ${r.pattern}`));

  test('34 registrations on 30 patterns, each once, ids unique', () => {
    expect(registrations).toHaveLength(34);
    expect(new Set(registrations).size).toBe(34);
    expect(catalogue.routes).toHaveLength(30);
    expect(new Set(catalogue.routes.map((r) => r.id)).size).toBe(30);
    expect(catalogue.commit).toBe('fb3076099' + catalogue.commit.slice(9));
  });

  test('includes the compatibility, account and experimental routes', () => {
    expect(registrations).toEqual(expect.arrayContaining([
      'POST /v1/responses', 'POST /v1/messages', 'POST /v1/audio/transcriptions', 'GET /v1/models/:model',
      'POST /api/signout', 'DELETE /api/user/keys/:encodedKey', 'POST /api/me',
      'POST /api/experimental/web_search', 'POST /api/experimental/web_fetch', 'GET /api/experimental/model-recommendations',
      'POST /api/blobs/:digest', 'HEAD /api/blobs/:digest', 'HEAD /api/tags', 'HEAD /', 'GET /api/status',
    ]));
  });

  test('only / and /api/version are public', () => {
    expect(catalogue.routes.filter((r) => r.public).map((r) => r.pattern)).toEqual(['/', '/api/version']);
  });

  test('methods match registrations, and Allow lists them in gin tree order', () => {
    for (const route of catalogue.routes) {
      expect({ id: route.id, methods: route.methods }).toEqual({ id: route.id, methods: route.registrations.map((g) => g.method) });
      const allow = catalogue.router.methodTreeOrder.filter((m) => route.methods.includes(m)).join(', ');
      expect({ id: route.id, allow: route.allow }).toEqual({ id: route.id, allow });
    }
  });

  test('a probe uses an unregistered method exactly when a registration acts whatever it is sent, and never sends that method', () => {
    for (const route of catalogue.routes) {
      const registration = route.registrations.find((g) => g.method === route.probe.method);
      if (route.probe.kind === 'method-not-allowed') {
        expect({ id: route.id, registered: registration !== undefined }).toEqual({ id: route.id, registered: false });
        expect({ id: route.id, status: route.probe.ollamaAnswer.status, allow: route.probe.ollamaAnswer.headers?.['Allow'] }).toEqual({ id: route.id, status: 405, allow: route.allow });
        expect(route.registrations.every((g) => !g.sendProbe)).toBe(true);
      } else {
        expect({ id: route.id, sendProbe: registration?.sendProbe }).toEqual({ id: route.id, sendProbe: true });
      }
    }
    const never = catalogue.routes.filter((r) => r.probe.kind === 'method-not-allowed').map((r) => r.id).sort();
    expect(never).toEqual(['api-experimental-web-fetch', 'api-experimental-web-search', 'api-me', 'api-signout', 'api-user-keys']);
  });

  test('every exact body matches its own bodyMatch, and no probe value carries a cloud suffix', () => {
    const answers = catalogue.routes.flatMap((r) => [r.probe.ollamaAnswer, ...r.registrations.flatMap((g) => (g.ollamaAnswer ? [g.ollamaAnswer] : []))]);
    for (const a of answers) if (a.body !== undefined) expect(a.body).toMatch(new RegExp(a.bodyMatch));
    const sent = catalogue.routes.map((r) => `${r.probe.path} ${r.probe.body}`).join('\n');
    expect(sent).not.toMatch(/(:cloud|-cloud|:local)\b/);
  });

  test('validation probes reject with 4xx in an Ollama error shape; read probes answer 200', () => {
    for (const route of catalogue.routes) {
      const a = route.probe.ollamaAnswer;
      if (route.probe.kind === 'read') expect({ id: route.id, status: a.status }).toEqual({ id: route.id, status: 200 });
      if (route.probe.kind === 'validation') {
        expect({ id: route.id, client: a.status >= 400 && a.status < 500 }).toEqual({ id: route.id, client: true });
        expect(a.bodyMatch).toMatch(/\\\{"(error|type)"/);
      }
    }
  });
});
