/**
 * HTTPS stand-ins for https://registry.ollama.ai and https://ollama.com on 127.0.0.1: two emulators with
 * certificates for the real names from a test CA, reached with `--connect-to` and trusted with
 * `--ca-file`, as `oac record --intercept` records against them offline. The CA file is written into the
 * caller's folder (which the caller removes).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { makeTestPki, type TestPki } from '../reference/helpers/pki.js';

export interface PublicStandIns {
  pki: TestPki;
  /** The test CA, as a PEM file: `--ca-file`. */
  caFile: string;
  /** `--connect-to registry.ollama.ai:443:127.0.0.1:P --connect-to ollama.com:443:127.0.0.1:Q`. */
  connectTo: string[];
  /** The same as recordCassette's `connectTo` option. */
  connectToMap: Record<string, string>;
  registryPort: number;
  registry: Emulator;
  cloud: Emulator;
  stop(): Promise<void>;
}

export async function startPublicStandIns(dir: string, accepts: { authorizedKeys: string[]; apiKeys?: string[] }): Promise<PublicStandIns> {
  const pki = makeTestPki();
  const caFile = join(dir, 'stand-in-ca.pem');
  writeFileSync(caFile, pki.caCert);
  const tls = { cert: pki.serverCert, key: pki.serverKey };
  const registry = createEmulator({ tls, publicOrigin: 'https://registry.ollama.ai', authorizedKeys: accepts.authorizedKeys });
  const cloud = createEmulator({ tls, publicOrigin: 'https://ollama.com', authorizedKeys: accepts.authorizedKeys, ...(accepts.apiKeys ? { apiKeys: accepts.apiKeys } : {}) });
  const r = await registry.start();
  const c = await cloud.start();
  const connectToMap = { 'registry.ollama.ai:443': `127.0.0.1:${r.port}`, 'ollama.com:443': `127.0.0.1:${c.port}` };
  return {
    pki,
    caFile,
    connectTo: Object.entries(connectToMap).flatMap(([from, to]) => ['--connect-to', `${from}:${to}`]),
    connectToMap,
    registryPort: r.port,
    registry,
    cloud,
    async stop() {
      await registry.stop();
      await cloud.stop();
    },
  };
}
