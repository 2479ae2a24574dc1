/**
 * The proxy catalogues as data, without starting anything: they follow their schema, every file they
 * name exists (and every zoo file is named), the probe arguments match the credentials each deployment
 * asks for, the exit codes follow the check levels, and the READMEs list what the catalogues list.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { newAjv } from '../../src/specs/validate.js';
import { CATALOG_FILES, loadCatalog, type Deployment } from './catalog.js';

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const correct = loadCatalog('correct');
const zoo = loadCatalog('zoo');

/** The SHOULD-level probe checks (the rest are MUST): a deployment failing only these exits 0. */
const SHOULD_CHECKS = new Set(['probe/disclosure/version', 'probe/tls/plaintext', 'probe/tls/legacy-versions', 'probe/cors/foreign-origin']);

/** The flags and value tokens each kind of credential gives the probe. */
const CREDENTIAL_ARGS: Record<Deployment['credentials'], string[]> = {
  basic: ['--basic', '{basic}'],
  'api-key': ['--api-key', '{apiKey}'],
  'client-certificate': ['--cert', '{clientCert}', '--key', '{clientKey}'],
};

const CATALOGUES: [keyof typeof CATALOG_FILES, Deployment[]][] = [
  ['correct', correct],
  ['zoo', zoo],
];

describe.each(CATALOGUES)('%s catalogue', (which, deployments) => {
  test('follows examples/proxies/catalog.schema.json', () => {
    const validate = newAjv().compile(readJson('examples/proxies/catalog.schema.json') as object);
    const valid = validate(readJson(CATALOG_FILES[which]));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('every configuration file exists and is for the server the entry names', () => {
    for (const d of deployments) {
      expect({ id: d.id, exists: existsSync(d.config) }).toEqual({ id: d.id, exists: true });
      expect({ id: d.id, suffix: d.config.endsWith(d.server === 'nginx' ? '.conf' : '.Caddyfile') }).toEqual({ id: d.id, suffix: true });
    }
  });

  test('the probe arguments carry the credentials the deployment asks for, the CA when it is TLS, and an --expect-tls', () => {
    for (const d of deployments) {
      const args = d.probeArgs.join(' ');
      const tlsConfig = !/listen 8443;/.test(readFileSync(d.config, 'utf8'));
      expect({ id: d.id, credentials: args.includes(CREDENTIAL_ARGS[d.credentials].join(' ')) }).toEqual({ id: d.id, credentials: true });
      expect({ id: d.id, ca: args.includes('--ca {caCert}'), expectTls: /--expect-tls 1\.[23]/.test(args) }).toEqual({ id: d.id, ca: tlsConfig, expectTls: tlsConfig });
      for (const token of args.match(/\{[^}]*\}/g) ?? []) expect(['{basic}', '{apiKey}', '{caCert}', '{clientCert}', '{clientKey}']).toContain(token);
    }
  });

  test('mustFail and mayFail do not overlap, and the exit code is 1 exactly when a MUST check fails', () => {
    for (const d of deployments) {
      expect({ id: d.id, overlap: d.mustFail.filter((c) => d.mayFail.includes(c)) }).toEqual({ id: d.id, overlap: [] });
      expect({ id: d.id, exitCode: d.exitCode }).toEqual({ id: d.id, exitCode: d.mustFail.some((c) => !SHOULD_CHECKS.has(c)) ? 1 : 0 });
    }
  });
});

test('every file in the zoo is in its catalogue, and the zoo README lists every entry with its must-fail checks', () => {
  const files = readdirSync('examples/proxies/zoo').filter((f) => f.endsWith('.conf') || f.endsWith('.Caddyfile'));
  expect(files.sort()).toEqual(zoo.map((d) => basename(d.config)).sort());
  const readme = readFileSync('examples/proxies/zoo/README.md', 'utf8');
  for (const d of zoo) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${d.id}\` |`));
    expect({ id: d.id, row: row !== undefined }).toEqual({ id: d.id, row: true });
    for (const check of d.mustFail) expect(row).toContain(`\`${check.replace('probe/', '')}\``);
  }
});

test('the examples README shows every ready configuration with its probe command', () => {
  const readme = readFileSync('examples/proxies/README.md', 'utf8');
  for (const d of correct) {
    const file = join(basename(join(d.config, '..')), basename(d.config));
    const row = readme.split('\n').find((line) => line.startsWith(`| [${file}](${file}) |`));
    expect({ file, row: row !== undefined }).toEqual({ file, row: true });
    const credentials = { basic: '--basic USER:PASS', 'api-key': '--api-key KEY', 'client-certificate': '--cert client.crt --key client.key' }[d.credentials];
    const expectTls = d.probeArgs[d.probeArgs.indexOf('--expect-tls') + 1];
    expect(row).toContain(`oac probe https://HOST:8443 ${credentials} --expect-tls ${expectTls}`);
  }
});

test('the zoo has at least 14 distinct mistakes, at least 5 of them on Caddy, each named in its file', () => {
  expect(zoo.length).toBeGreaterThanOrEqual(14);
  expect(zoo.filter((d) => d.server === 'caddy').length).toBeGreaterThanOrEqual(5);
  expect(new Set(zoo.map((d) => d.mistake)).size).toBe(zoo.length);
  for (const d of zoo) {
    const text = readFileSync(d.config, 'utf8');
    expect({ id: d.id, header: /^# ZOO: MISCONFIGURED ON PURPOSE/.test(text), mistake: /\n# Mistake: /.test(text) }).toEqual({ id: d.id, header: true, mistake: true });
  }
});
