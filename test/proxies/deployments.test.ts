/**
 * Every ready configuration in examples/proxies/ and every misconfigured deployment in its zoo, run
 * for real (Debian's nginx and Caddy) in front of a recording Ollama, and checked WITHOUT the probe
 * (test/proxies/observe.ts asks the backend's request log whether a request arrived):
 * - a ready configuration refuses requests without / with wrong credentials on a sample of routes,
 *   methods and path spellings, accepts the right ones, offers no TLS version below its own minimum,
 *   and refuses the very requests that open the zoo's deployments of its kind;
 * - each zoo entry really has its hole: the requests / handshakes its catalogue entry names as
 *   demonstrations behave as it says, the sample shows every check of its mustFail failing, and none
 *   outside mustFail + mayFail.
 * This proves the zoo (and the catalogues the probe's own test is judged by) independently of `oac probe`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeTlsMaterial, type RunningProxy, type TlsMaterial } from '../helpers/proxies.js';
import { clientCertificate, credentialRequest, generateCredentials, loadCatalog, startDeployment, type Deployment, type GeneratedCredentials } from './catalog.js';
import { send, type ProxyRequest } from './http-client.js';
import { describeAnswer, observeFailingChecks, sendAndObserve, type RunningDeployment } from './observe.js';
import { startBackend } from './backend.js';

const correct = loadCatalog('correct');
const zoo = loadCatalog('zoo');

const running = new Map<string, RunningDeployment & { proxy: RunningProxy }>();
/** A deployment that did not start fails its own tests with the server's log, not the whole file. */
const startErrors = new Map<string, unknown>();
let tls: TlsMaterial;
let creds: GeneratedCredentials;

/**
 * Requests to one deployment must not overlap (a request "reached" Ollama when the backend's log grew
 * by one), but different deployments have their own backends: their samples run side by side.
 */
const queues = new Map<string, Promise<unknown>>();
function exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
  const run = (queues.get(id) ?? Promise.resolve()).then(work);
  queues.set(id, run.catch(() => undefined));
  return run;
}
/** Each deployment's sample, started in beforeAll with a few running at a time, awaited by its test. */
const observations = new Map<string, Promise<Record<string, string[]>>>();
const OBSERVATIONS_AT_ONCE = 4;

beforeAll(async () => {
  [tls, creds] = [await makeTlsMaterial(), generateCredentials()];
  // All servers at once: startup is mostly waiting, and the whole file must stay well under a minute.
  await Promise.all(
    [...correct, ...zoo].map(async (deployment) => {
      const backend = await startBackend();
      try {
        const proxy = await startDeployment(deployment, backend.url, tls, creds);
        running.set(deployment.id, { deployment, backend, proxy, url: proxy.url });
      } catch (error) {
        startErrors.set(deployment.id, error);
        await backend.close();
      }
    }),
  );
  const pending = [...running.keys()];
  const next = async (): Promise<void> => {
    const id = pending.shift();
    if (id === undefined) return;
    const observation = exclusive(id, () => observeFailingChecks(get(id), tls, creds));
    observations.set(id, observation);
    // Settled here so that the next one starts; its test awaits (and reports) the outcome itself.
    await observation.catch(() => undefined);
    return next();
  };
  for (let i = 0; i < OBSERVATIONS_AT_ONCE; i++) void next();
}, 60_000);

function observed(id: string): Promise<Record<string, string[]>> {
  get(id); // a deployment that did not start fails here with its server's log
  return observations.get(id) ?? exclusive(id, () => observeFailingChecks(get(id), tls, creds));
}

afterAll(async () => {
  await Promise.all(
    [...running.values()].map(async (r) => {
      await r.proxy.stop();
      await r.backend.close();
    }),
  );
  await tls?.remove();
});

function get(id: string): RunningDeployment {
  const r = running.get(id);
  if (!r) throw startErrors.get(id) ?? new Error(`deployment ${id} was not started`);
  return r;
}

function validRequest(d: Deployment, base: { method: string; path: string; body?: string }): ProxyRequest {
  return {
    ...credentialRequest(d.credentials, 'valid', creds, base),
    ...clientCertificate(d.credentials === 'client-certificate' ? 'valid' : 'none', tls),
    ca: tls.caCert,
    // A zoo entry whose mistake is the certificate itself is still reachable by a client that skips the check.
    insecure: d.serverCertificate !== 'valid',
  };
}

/** The ready configuration a zoo entry got wrong: same server, same kind of credentials. */
function readyCounterpart(d: Deployment): string {
  const name = { basic: 'basic', 'api-key': 'apikey', 'client-certificate': 'mtls' }[d.credentials];
  return `${d.server}-${name}`;
}

/** Performs a zoo entry's demonstrations (catalog.schema.json explains each kind). */
async function demonstrateHole(r: RunningDeployment): Promise<void> {
  const d = r.deployment;
  const valid = await sendAndObserve(r, validRequest(d, { method: 'GET', path: '/api/tags' }));
  expect({ valid: valid.reached, answer: describeAnswer(valid.answer) }).toEqual({ valid: true, answer: expect.stringMatching(/^HTTP /) });

  for (const demo of d.demonstrations ?? []) {
    switch (demo.kind) {
      case 'reaches-backend': {
        const req = { ...credentialRequest(d.credentials, demo.credentials, creds, demo), ...clientCertificate(demo.clientCertificate, tls) };
        const { answer, reached } = await sendAndObserve(r, { ...req, ca: tls.caCert, insecure: d.serverCertificate !== 'valid' });
        expect({ demo, reached, answer: describeAnswer(answer) }).toEqual({ demo, reached: true, answer: expect.stringMatching(/^HTTP /) });
        break;
      }
      case 'tls-version-accepted': {
        const answer = await send(r.url, { ...validRequest(d, { method: 'GET', path: '/api/tags' }), tlsVersion: demo.version, ciphers: 'DEFAULT@SECLEVEL=0' });
        expect({ demo, answer: describeAnswer(answer) }).toEqual({ demo, answer: expect.stringMatching(/^HTTP /) });
        break;
      }
      case 'certificate-rejected': {
        const answer = await send(r.url, { path: '/api/tags', ca: tls.caCert });
        expect({ demo, code: answer.ok ? `HTTP ${answer.status}` : answer.code }).toEqual({ demo, code: demo.code });
        break;
      }
      case 'cors-credentials-allowed': {
        const answer = await send(r.url, {
          method: 'OPTIONS',
          path: '/api/chat',
          ca: tls.caCert,
          headers: { origin: demo.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
        });
        const headers = answer.ok ? answer.headers : {};
        expect({ origin: headers['access-control-allow-origin'], credentials: headers['access-control-allow-credentials'] }).toEqual({ origin: demo.origin, credentials: 'true' });
        break;
      }
      case 'credentials-over-plain-http': {
        expect(r.url).toMatch(/^http:\/\//);
        break;
      }
    }
  }
}

describe('ready configurations (examples/proxies/catalog.json)', () => {
  test('the catalogue lists the four configurations for each server, all expected to pass', () => {
    expect(correct.map((d) => d.id).sort()).toEqual(['basic', 'apikey', 'tls13-basic', 'mtls'].flatMap((n) => [`nginx-${n}`, `caddy-${n}`]).sort());
    for (const d of correct) {
      expect({ id: d.id, mustFail: d.mustFail, mayFail: d.mayFail, exitCode: d.exitCode }).toEqual({ id: d.id, mustFail: [], mayFail: [], exitCode: 0 });
    }
  });

  test.each(correct.map((d) => [d.id] as const))('%s: the sample finds no hole; the right credentials get through over verified TLS, and stay at the proxy', async (id) => {
    const r = get(id);
    expect(r.url).toMatch(/^https:/);
    expect(await observed(id)).toEqual({});
    for (const base of [{ method: 'POST', path: '/v1/chat/completions' }, { method: 'GET', path: '/%61pi/tags' }]) {
      const { answer, reached } = await exclusive(id, () => sendAndObserve(r, validRequest(r.deployment, base)));
      expect({ request: `${base.method} ${base.path}`, reached, answer: describeAnswer(answer), authorizationForwarded: r.backend.requests().at(-1)?.hadAuthorization }).toEqual({
        request: `${base.method} ${base.path}`,
        reached: true,
        answer: expect.stringMatching(/^HTTP /),
        authorizationForwarded: false,
      });
    }
  });

  test.each(correct.map((d) => [d.id] as const))('%s refuses every request that opens a zoo deployment of its kind', async (id) => {
    const r = get(id);
    const opened: string[] = [];
    for (const z of zoo.filter((z) => readyCounterpart(z) === id)) {
      for (const demo of z.demonstrations ?? []) {
        if (demo.kind !== 'reaches-backend') continue;
        const req = { ...credentialRequest(r.deployment.credentials, demo.credentials, creds, demo), ...clientCertificate(demo.clientCertificate, tls), ca: tls.caCert };
        const { answer, reached } = await exclusive(id, () => sendAndObserve(r, req));
        if (reached) opened.push(`${z.id}'s hole ${demo.method} ${req.path} (${demo.credentials}) reached Ollama here too (${describeAnswer(answer)})`);
      }
    }
    expect(opened).toEqual([]);
  });
});

describe('the zoo (examples/proxies/zoo/catalog.json)', () => {
  test.each(zoo.map((d) => [d.id] as const))('%s: its demonstrations show the hole, and the right credentials still get through', async (id) => {
    // One turn for the whole test: even its handshakes with valid credentials reach the backend.
    await exclusive(id, () => demonstrateHole(get(id)));
  });

  test.each(zoo.map((d) => [d.id] as const))('%s: the sample fails every check of mustFail, and none outside mustFail + mayFail', async (id) => {
    const r = get(id);
    const failing = await observed(id);
    const allowed = new Set([...r.deployment.mustFail, ...r.deployment.mayFail]);
    expect({
      missing: r.deployment.mustFail.filter((c) => !(c in failing)),
      unexpected: Object.fromEntries(Object.entries(failing).filter(([c]) => !allowed.has(c))),
    }).toEqual({ missing: [], unexpected: {} });
  });
});

describe('the backends', () => {
  test('no request of this file could have changed anything in Ollama (every body is one Ollama rejects)', () => {
    const acted = [...running.values()].flatMap((r) =>
      r.backend.requests().filter((q) => q.stateChanging).map((q) => `${r.deployment.id}: ${q.method} ${q.target}`),
    );
    expect(acted).toEqual([]);
    // …and the log really was written to: the zoo's holes alone put dozens of requests there.
    expect([...running.values()].reduce((n, r) => n + r.backend.requests().length, 0)).toBeGreaterThan(100);
  });
});
