/**
 * The live path, offline: `recordCassette({ target: 'live' })` runs exactly as for a user (URLs
 * https://registry.ollama.ai and https://ollama.com, the realm-host check on "registry.ollama.ai" with the
 * implicit port 443, TLS with certificate and SNI checks for the real names), while the recorder's
 * connectTo points those names at HTTPS stand-ins on loopback: two emulators with certificates for the
 * real host names, signed by a CA made with openssl for this run. Nothing here reaches the network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Emulator } from '../../src/emulator/index.js';
import { lintCassette, recordCassette, withCassette, type Cassette } from '../../src/recorder/index.js';
import { registryRequest } from '../../src/reference/index.js';
import type { TestPki } from '../reference/helpers/pki.js';
import { startPublicStandIns, type PublicStandIns } from '../helpers/public-stand-ins.js';
import { codeOf, freshKey, randomToken, tempDir } from './support.js';

let standIns: PublicStandIns;
let pki: TestPki;
let registry: Emulator;
let connectTo: Record<string, string>;
const key = freshKey();
const apiKey = `k${randomToken(40)}`;
const dir = tempDir('live');

beforeAll(async () => {
  standIns = await startPublicStandIns(dir, { authorizedKeys: [key.publicKeyField], apiKeys: [apiKey] });
  ({ pki, registry, connectToMap: connectTo } = standIns);
});
afterAll(async () => {
  await standIns.stop();
});

function read(path: string): Cassette {
  return JSON.parse(readFileSync(path, 'utf8')) as Cassette;
}

describe('target live, served by HTTPS stand-ins for the real host names', () => {
  test('registry pull: real host names in the cassette, realm-host check on registry.ollama.ai (port 443 implicit), TLS verified', async () => {
    const out = join(dir, 'registry.har');
    const result = await recordCassette({ target: 'live', connectTo, tls: { ca: pki.caCert }, flow: 'registry', key, out });
    const cassette = read(out);
    expect(result.written).toBe(true);
    expect(cassette.log.entries.map((e) => [e._oac.role, e.response.status, e.request.url.replace(/\?.*$/, '')])).toEqual([
      ['challenge', 401, 'https://registry.ollama.ai/v2/library/llama3/manifests/latest'],
      ['token', 200, 'https://registry.ollama.ai/v2/token'],
      ['retry', 200, 'https://registry.ollama.ai/v2/library/llama3/manifests/latest'],
    ]);
    expect(cassette.log.entries[0]!.response.headers.find((h) => h.name === 'www-authenticate')!.value)
      .toBe('Bearer realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai",scope="repository:library/llama3:pull"');
    // Host as Go sends URL.Host: the name alone, no ":443" (what the realm-host comparison is about).
    expect(cassette.log.entries.map((e) => e.request.headers.find((h) => h.name === 'host')!.value)).toEqual(['registry.ollama.ai', 'registry.ollama.ai', 'registry.ollama.ai']);
    // The stand-in verified the signature over the https:// token URL it was sent.
    expect(registry.log.map((e) => e.status)).toEqual([401, 200, 200]);
    // Not live evidence: the provenance says where it came from.
    expect(cassette.log._oac).toMatchObject({ origin: 'local-stand-in', targetHosts: ['registry.ollama.ai'] });
    expect(cassette.log._oac.notes).toContain('the live host names (served by a stand-in via connectTo)');
    expect(lintCassette(out)).toEqual([]);
  });

  test('direct whoami and the API key go to https://ollama.com', async () => {
    const whoami = join(dir, 'whoami.har');
    await recordCassette({ target: 'live', connectTo, tls: { ca: pki.caCert }, flow: 'direct', variant: 'whoami', key, out: whoami });
    const apikey = join(dir, 'apikey.har');
    await recordCassette({ target: 'live', connectTo, tls: { ca: pki.caCert }, flow: 'api-key', apiKey, out: apikey });
    expect(read(whoami).log.entries.map((e) => e.request.url)).toEqual([expect.stringMatching(/^https:\/\/ollama\.com\/api\/me\?ts=\d+$/)]);
    expect(read(apikey).log.entries.map((e) => [e.request.url, e.request.headers.find((h) => h.name === 'authorization')!.value]))
      .toEqual([['https://ollama.com/api/tags', `Bearer <apikey:${apiKey.length} chars>`]]);
    expect(read(apikey).log._oac.targetHosts).toEqual(['ollama.com']);
    expect(readFileSync(apikey, 'utf8')).not.toContain(apiKey);
  });

  test('without the test CA the certificate is refused: a failed handshake, nothing written', async () => {
    const out = join(dir, 'untrusted.har');
    let error: unknown;
    try {
      await recordCassette({ target: 'live', connectTo, flow: 'direct', key, out });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('record/handshake-failed');
    expect((error as Error).message).toContain(`nothing written to ${out}: the direct/tags flow against the live host names (served by a stand-in via connectTo) failed: http/tls: GET https://ollama.com/api/tags?ts=`);
    expect(existsSync(out)).toBe(false);
  });

  test('the push variants need consent against the live registry (they PUT a manifest)', async () => {
    let error: unknown;
    try {
      await recordCassette({ target: 'live', flow: 'registry', variant: 'push-scope', key, out: join(dir, 'never.har') });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('record/push-needs-consent');
    expect((error as Error).message).toContain('pass --allow-push');
  });

  test('the basic flow has no live target: refused before any request', async () => {
    let error: unknown;
    try {
      await recordCassette({ target: 'live', flow: 'basic', basic: { user: 'u', pass: randomToken(12) }, out: join(dir, 'never.har') });
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('record/no-live-basic');
  });

  test('(last) the cassette recorded through the live path replays with the stand-ins stopped', async () => {
    const out = join(dir, 'registry-replay.har');
    await recordCassette({ target: 'live', connectTo, tls: { ca: pki.caCert }, flow: 'registry', key, out });
    await standIns.stop();
    const seen = registry.log.length;
    const result = await withCassette(out, () => registryRequest({ url: 'https://registry.ollama.ai/v2/library/llama3/manifests/latest', key: freshKey() }));
    expect(result.response.status).toBe(200);
    expect(JSON.parse(result.response.body.toString('utf8'))).toMatchObject({ schemaVersion: 2 });
    expect(registry.log.length).toBe(seen);
  });
});
