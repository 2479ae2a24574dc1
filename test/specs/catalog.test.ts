/**
 * The check catalog is the vocabulary of every verdict: it must hold every id the code uses, cite a source
 * for each, and agree with docs/protocol.md (every reference it cites is an anchor there, and the
 * falsification table and the scenario files list the same ids).
 */
import { describe, test, expect } from '@jest/globals';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProtocolError } from '../../src/errors.js';
import { allChecks, checkCatalog, errorCodeCatalog, getCheck, hasCheck, loadCatalog } from '../../src/specs/catalog.js';
import { listJsonFiles, specsDir } from '../../src/specs/load.js';

/** The ids fixed before this catalog existed (the project's first design notes); code already uses them. */
const PREAMBLE_IDS = `keys/default-path, keys/pubkey-field, keys/signature-raw, keys/generate-modes, keys/no-overwrite, keys/bad-key-no-request,
auth/header-form,
registry/challenge/read, registry/challenge/quoted-values, registry/challenge/token-values, registry/challenge/empty-value,
registry/challenge/non-bearer, registry/challenge/missing,
registry/token-url/parseable, registry/token-url/realm, registry/token-url/realm-query-kept, registry/token-url/service,
registry/token-url/scope-per-item, registry/token-url/ts, registry/token-url/nonce-shape, registry/token-url/nonce-fresh,
registry/token-url/sorted-query, registry/token-url/form-escaping,
registry/token-request/signature, registry/token-request/method-get, registry/token-request/raw-form, registry/token-request/ts-window,
registry/realm/same-host, registry/realm/no-downgrade,
registry/token-response/error-surfaced, registry/token-response/token-field, registry/token-response/empty-token,
registry/token-response/access-token,
registry/retry/bearer-once, registry/retry/second-401-fails, registry/retry/no-second-token,
registry/token/no-cross-host, registry/token/opaque, registry/token/scope-bound, registry/not-found,
direct/signature, direct/ts-in-url, direct/request-uri, direct/no-body-hash, direct/header-form, direct/fresh-ts, direct/ts-window,
direct/known-key, direct/signin-url,
apikey/bearer, apikey/origin-scoped, apikey/no-empty-bearer,
basic/credentials, basic/userinfo, basic/no-cross-host,
tls/custom-ca, tls/min-version, tls/client-cert,
errors/surfaced, errors/signin-url, errors/stream-empty-body, errors/not-found`
  .split(/[\s,]+/)
  .filter(Boolean);

const PROTOCOL_DOC = resolve(specsDir(), '..', 'docs', 'protocol.md');
const PROTOCOL_MD = readFileSync(PROTOCOL_DOC, 'utf8');

/** An id written as a visible anchor: `§1.2` in a heading, or a bold label such as `**REG-06**` or `**F-11b**`. */
const ID = String.raw`§\d+(?:\.\d+)*|[A-Z]{1,6}(?:-[A-Z]{2,6})?-\d{2}[a-z]?`;

function protocolAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (/^#{1,6} /.test(line)) for (const m of line.matchAll(new RegExp(ID, 'g'))) anchors.add(m[0]);
    for (const m of line.matchAll(new RegExp(String.raw`\*\*(${ID})\*\*`, 'g'))) anchors.add(m[1]!);
  }
  return anchors;
}
const ANCHORS = protocolAnchors(PROTOCOL_MD);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('check catalog', () => {
  test('holds every id fixed before the catalog existed', () => {
    expect(PREAMBLE_IDS.length).toBe(62);
    expect(PREAMBLE_IDS.filter((id) => !hasCheck(id))).toEqual([]);
  });

  test('every check has a source citation, a one-sentence requirement with its level keyword, and flows', () => {
    for (const c of allChecks()) {
      expect({ id: c.id, sources: c.source.length > 0 && c.source.every((s) => s.trim().length > 2) }).toEqual({ id: c.id, sources: true });
      expect(c.requirement).toMatch(new RegExp(`\\b${c.level}\\b`));
      expect(c.requirement.trim().endsWith('.')).toBe(true);
      expect(c.flows.length).toBeGreaterThan(0);
    }
  });

  test('REF-GAP checks say how Ollama falls short', () => {
    const gaps = allChecks().filter((c) => c.reference === 'REF-GAP');
    expect(gaps.length).toBeGreaterThan(0);
    for (const c of gaps) expect({ id: c.id, note: (c.note ?? '').length > 20 }).toEqual({ id: c.id, note: true });
  });

  test('docs/protocol.md has anchors for its sections, rules and scenarios (the reader below finds them)', () => {
    for (const id of ['§0.1', '§1.2', '§10.1', '§11', 'KEY-01', 'REG-17', 'DIR-07', 'KEY-API-02', 'ERR-03', 'F-01', 'F-22', 'F-17b']) expect(ANCHORS).toContain(id);
    // A mention in running text is not an anchor: the rules are only bold where they are defined.
    expect(protocolAnchors('REG-06 and §1.3 in a sentence')).toEqual(new Set());
  });

  test('every protocolRef a check or a scenario cites is an anchor of docs/protocol.md', () => {
    const fromChecks = allChecks().flatMap((c) => c.protocolRef.map((ref) => ({ where: c.id, ref })));
    const fromScenarios = listJsonFiles(join(specsDir(), 'scenarios')).flatMap((f) => {
      const s = JSON.parse(readFileSync(f, 'utf8')) as { id: string; source?: { protocolRef?: string[] } };
      return (s.source?.protocolRef ?? []).map((ref) => ({ where: `scenario ${s.id}`, ref }));
    });
    expect(fromChecks.length).toBeGreaterThan(100);
    expect(fromScenarios.length).toBeGreaterThan(20);
    expect([...fromChecks, ...fromScenarios].filter(({ ref }) => !ANCHORS.has(ref)).map(({ where, ref }) => `${where}: ${ref}`)).toEqual([]);
  });

  test('every check id the rule modules name is in the catalog', () => {
    // Check ids are decided in src/rules/ only (test/rules/one-place.test.ts); the CheckId type refuses an
    // unknown id at compile time, and this reads the files themselves, so a cast cannot smuggle one in.
    const root = resolve(specsDir(), '..', 'src', 'rules');
    const used = new Set<string>();
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/['"`]((?:keys|auth|registry|direct|apikey|basic|tls|errors|probe)\/[a-z0-9-]+\/?[a-z0-9/-]*)['"`]/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(60);
    expect([...used].filter((id) => !hasCheck(id)).sort()).toEqual([]);
  });

  test('getCheck returns the entry and refuses an unknown id with spec/unknown-check', () => {
    expect(getCheck('registry/realm/same-host')).toMatchObject({ level: 'MUST', reference: 'REF', flows: ['registry'] });
    let caught: unknown;
    try {
      getCheck('registry/realm/same-hots');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).code).toBe('spec/unknown-check');
    expect((caught as Error).message).toContain('registry/realm/same-host');
  });

  test('loadCatalog refuses a catalog with a duplicate id', () => {
    const dir = join(specsDir(), 'checks.json');
    const doc = JSON.parse(readFileSync(dir, 'utf8')) as { checks: unknown[] };
    doc.checks.push(doc.checks[0]);
    const tmp = resolve(process.env['TMPDIR'] ?? '/tmp', `oac-checks-dup-${process.pid}.json`);
    writeFileSync(tmp, JSON.stringify(doc));
    try {
      expect(() => loadCatalog(tmp)).toThrow(`/checks/${doc.checks.length - 1}/id: duplicate check id "keys/default-path"`);
    } finally {
      rmSync(tmp);
    }
  });

  test('both levels and all three reference kinds are used', () => {
    const levels = new Set(allChecks().map((c) => c.level));
    const refs = new Set(allChecks().map((c) => c.reference));
    expect([...levels].sort()).toEqual(['MUST', 'SHOULD']);
    expect([...refs].sort()).toEqual(['HARDEN', 'REF', 'REF-GAP']);
    expect(checkCatalog().size).toBe(allChecks().length);
  });
});

describe('error-code catalog', () => {
  test('holds every code the library throws', () => {
    const root = resolve(specsDir(), '..', 'src');
    const thrown = new Set<string>();
    for (const file of sourceFiles(root)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:Error|KeyError)\(\s*'((?:challenge|url|authorization|pubkey|token|key|spec)\/[a-z0-9-]+)'/g)) thrown.add(m[1]!);
    }
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown].filter((code) => !errorCodeCatalog().has(code)).sort()).toEqual([]);
  });
});

describe('scenarios', () => {
  test('the falsification table of docs/protocol.md and the F- scenario files list the same ids', () => {
    const table = [...PROTOCOL_MD.matchAll(/^\| \*\*(F-\d\d[a-z]?)\*\* \|/gm)].map((m) => m[1]!);
    expect(table.filter((id) => /^F-\d\d$/.test(id))).toEqual(Array.from({ length: 22 }, (_, i) => `F-${String(i + 1).padStart(2, '0')}`));
    const files = listJsonFiles(join(specsDir(), 'scenarios')).map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { id: string }).id);
    expect(table.filter((id) => !files.includes(id))).toEqual([]);
    expect(files.filter((id) => id.startsWith('F-') && !table.includes(id))).toEqual([]);
  });
});
