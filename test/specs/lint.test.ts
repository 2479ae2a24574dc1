/**
 * `oac specs lint` passes on the repository and, on deliberately broken copies, names the file and the JSON
 * pointer of each problem. Each broken copy changes one thing, so a test also proves that the lint does not
 * report unrelated problems.
 */
import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { specsDir } from '../../src/specs/load.js';
import { lintSpecs, lintSpecsDetailed, type LintProblem } from '../../src/lint/specs.js';
import { runSpecsLint, specsLintCommand } from '../../src/cli/specs-lint.js';
import { loadScenarios } from '../../src/conformance/scenarios.js';

type Json = Record<string, unknown>;

let work: string;
let dir: string;

function readJson(rel: string): Json {
  return JSON.parse(readFileSync(join(dir, rel), 'utf8')) as Json;
}
function writeJson(rel: string, data: unknown): void {
  writeFileSync(join(dir, rel), JSON.stringify(data, null, 2) + '\n');
}
function summary(problems: LintProblem[]): string[] {
  return problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.path}: ${p.message}`);
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'oac-specs-lint-'));
  dir = join(work, 'specs');
  cpSync(specsDir(), dir, { recursive: true });
  // The shipped cassettes come along: scenarios name them and the lint checks them too.
  cpSync(join(specsDir(), '..', 'recordings'), join(work, 'recordings'), { recursive: true });
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('lintSpecs on the repository', () => {
  test('the installed specs have no problem, and the counts are what the files hold', () => {
    const { problems, counts } = lintSpecsDetailed(specsDir());
    expect(problems).toEqual([]);
    expect(counts.schemas).toBeGreaterThanOrEqual(16);
    expect(counts.checks).toBeGreaterThanOrEqual(62);
    expect(counts.vectorFiles).toBe(7);
    expect(counts.vectors).toBeGreaterThanOrEqual(60);
    expect(counts.mustFail * 2).toBeGreaterThanOrEqual(counts.vectors);
    expect(counts.scenarios).toBeGreaterThanOrEqual(22);
  });

  test('an unmodified copy is clean too (the tests below start from it)', () => {
    expect(lintSpecs(dir)).toEqual([]);
  });
});

describe('lintSpecs on broken copies', () => {
  test('a JSON syntax error is reported with its file, line and column', () => {
    const file = join(dir, 'vectors', 'token-url.json');
    const lines = readFileSync(file, 'utf8').split('\n');
    // Line 4 is `  "function": "buildTokenUrl",`: drop its closing quote, so the string runs into the line break
    // (a control character) right after the 29 characters of the line.
    expect(lines[3]).toBe('  "function": "buildTokenUrl",');
    lines[3] = '  "function": "buildTokenUrl,';
    writeFileSync(file, lines.join('\n'));
    expect(summary(lintSpecs(dir))).toEqual([expect.stringMatching(/^vectors\/token-url\.json: : invalid JSON at line 4, column 30: /)]);
  });

  test("a schema without $id is reported at /$id, and the rest still lints", () => {
    const schema = readJson('schemas/token-response.schema.json');
    delete schema['$id'];
    writeJson('schemas/token-response.schema.json', schema);
    expect(summary(lintSpecs(dir))).toEqual([
      'schemas/token-response.schema.json: /$id: missing: expected "https://ollama-auth-conformance.dev/schemas/token-response.schema.json"',
    ]);
  });

  test('a schema without a description, or with an unknown keyword, is reported', () => {
    const schema = readJson('schemas/ollama-error.schema.json');
    delete schema['description'];
    (schema['properties'] as Json)['error'] = { type: 'string', minLenght: 1 };
    writeJson('schemas/ollama-error.schema.json', schema);
    expect(summary(lintSpecs(dir))).toEqual([
      'schemas/ollama-error.schema.json: /description: missing: every schema needs a non-empty description',
      expect.stringMatching(/^schemas\/ollama-error\.schema\.json: : does not compile: .*minLenght/),
    ]);
  });

  test('a vector naming an unknown check id is reported at that id', () => {
    const vectors = readJson('vectors/token-response.json');
    const tests = vectors['tests'] as Json[];
    tests[2]!['checks'] = ['registry/token-response/token-field', 'registry/token-response/tokn-field'];
    writeJson('vectors/token-response.json', vectors);
    expect(summary(lintSpecs(dir))).toEqual([
      'vectors/token-response.json: /tests/2/checks/1: unknown check id "registry/token-response/tokn-field": not in checks.json',
    ]);
  });

  test('a vector naming an unknown error code is reported at /tests/N/error_code', () => {
    const vectors = readJson('vectors/authorization-parse.json');
    const tests = vectors['tests'] as Json[];
    const i = tests.findIndex((t) => t['must_fail'] === true);
    tests[i]!['error_code'] = 'authorization/absent';
    writeJson('vectors/authorization-parse.json', vectors);
    expect(summary(lintSpecs(dir))).toEqual([`vectors/authorization-parse.json: /tests/${i}/error_code: unknown error code "authorization/absent": not in error-codes.json`]);
  });

  test('a must_fail vector that also gives `expected` breaks the vector schema', () => {
    const vectors = readJson('vectors/token-response.json');
    const tests = vectors['tests'] as Json[];
    const i = tests.findIndex((t) => t['must_fail'] === true);
    tests[i]!['expected'] = { token: 'x' };
    writeJson('vectors/token-response.json', vectors);
    expect(summary(lintSpecs(dir))).toEqual([`vectors/token-response.json: /tests/${i}: must NOT be valid`]);
  });

  test('a check with an invalid level is reported at /checks/N/level', () => {
    const checks = readJson('checks.json');
    (checks['checks'] as Json[])[3]!['level'] = 'MAY';
    writeJson('checks.json', checks);
    expect(summary(lintSpecs(dir))).toEqual(['checks.json: /checks/3/level: must be one of "MUST", "SHOULD"']);
  });

  test('a duplicate check id and a REF-GAP check without a note are reported', () => {
    const checks = readJson('checks.json');
    const list = checks['checks'] as Json[];
    list.push({ ...list[0]! });
    const gap = list.findIndex((c) => c['reference'] === 'REF-GAP');
    delete list[gap]!['note'];
    writeJson('checks.json', checks);
    expect(summary(lintSpecs(dir))).toEqual([
      `checks.json: /checks/${gap}: must have property "note"`,
      `checks.json: /checks/${list.length - 1}/id: duplicate check id "keys/default-path"`,
    ]);
  });

  test('a scenario referencing a missing check is reported at /expect/checks/N', () => {
    const scenario = readJson('scenarios/F-02-realm-other-host.json');
    (scenario['expect'] as Json)['checks'] = ['registry/realm/same-host', 'registry/realm/other-host'];
    writeJson('scenarios/F-02-realm-other-host.json', scenario);
    expect(summary(lintSpecs(dir))).toEqual(['scenarios/F-02-realm-other-host.json: /expect/checks/1: unknown check id "registry/realm/other-host": not in checks.json']);
  });

  test('a scenario naming a cassette that is not under recordings/ is reported at /cassette', () => {
    const scenario = readJson('scenarios/F-08-token-401-empty.json');
    scenario['cassette'] = 'registry/not-recorded.har';
    writeJson('scenarios/F-08-token-401-empty.json', scenario);
    expect(summary(lintSpecs(dir))).toEqual([`scenarios/F-08-token-401-empty.json: /cassette: no such cassette: ${join(work, 'recordings', 'registry', 'not-recorded.har')}`]);
    cpSync(join(work, 'recordings', 'registry', 'pull-manifest.har'), join(work, 'recordings', 'registry', 'not-recorded.har'));
    expect(lintSpecs(dir)).toEqual([]);
  });

  test('two scenarios with one id, and a mutation with an unknown op, are reported', () => {
    const scenario = readJson('scenarios/F-01-no-challenge.json');
    (scenario['mutation'] as Json[])[0] = { op: 'remove-headers', target: 'challenge', name: 'WWW-Authenticate' };
    writeJson('scenarios/F-01-copy.json', scenario);
    expect(summary(lintSpecs(dir))).toEqual([
      expect.stringMatching(/^scenarios\/F-01-copy\.json: \/mutation\/0\/op: must be one of "replace-header", /),
      'scenarios/F-01-no-challenge.json: /id: duplicate scenario id "F-01" (also in scenarios/F-01-copy.json)',
    ]);
  });

  test("a mutation whose target is no step of the scenario's flow is reported, not silently ignored", () => {
    // F-01 removes the registry's challenge; "api" is a valid target name, but a registry pull never gets an
    // /api/* answer, so the operation would never apply and the scenario would test the unmutated flow.
    const scenario = readJson('scenarios/F-01-no-challenge.json');
    const op = (scenario['mutation'] as Json[])[0]!;
    expect(op).toMatchObject({ op: 'remove-header', target: 'challenge' });
    op['target'] = 'api';
    writeJson('scenarios/F-01-no-challenge.json', scenario);
    expect(summary(lintSpecs(dir))).toEqual([
      'scenarios/F-01-no-challenge.json: /mutation/0/target: target "api" matches no step of the registry-manifest flow (its responses: challenge, token, resource): the operation would never apply',
    ]);
    // Loading the scenarios for a run refuses it the same way, before any client is started.
    expect(() => loadScenarios(join(dir, 'scenarios'))).toThrow(
      `${join(dir, 'scenarios', 'F-01-no-challenge.json')}: /mutation/0/target: target "api" matches no step of the registry-manifest flow (its responses: challenge, token, resource): the operation would never apply`);
  });

  test('a listener operation aimed at a response, and a response operation aimed at the listener, are reported', () => {
    // The schema lets set-tls name "proxy", but the conformance server sets TLS up on its listener only.
    const tls = readJson('scenarios/tls-custom-ca.json');
    (tls['mutation'] as Json[])[0]!['target'] = 'proxy';
    writeJson('scenarios/tls-custom-ca.json', tls);
    const direct = readJson('scenarios/F-19-401-plain-text.json');
    (direct['mutation'] as Json[])[1]!['target'] = 'server';
    writeJson('scenarios/F-19-401-plain-text.json', direct);
    expect(summary(lintSpecs(dir))).toEqual([
      'scenarios/F-19-401-plain-text.json: /mutation/1/target: target "server" matches no step of the cloud-tags flow (its responses: api): the operation would never apply',
      'scenarios/tls-custom-ca.json: /mutation/0/target: set-tls changes the listener, so its target must be "server", not "proxy": the operation would never apply',
    ]);
  });

  test('a missing schema file is reported, and the documents it validates say why they were not validated', () => {
    rmSync(join(dir, 'schemas', 'error-codes.schema.json'));
    expect(summary(lintSpecs(dir))).toEqual([
      'schemas/error-codes.schema.json: : missing: the library validates with this schema',
      'error-codes.json: : not validated: schemas/error-codes.schema.json is missing or does not compile',
    ]);
  });
});

describe('oac specs lint', () => {
  test('prints one ok line and returns 0 on the repository', () => {
    const out: string[] = [];
    expect(runSpecsLint(specsDir(), (l) => out.push(l))).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^ok: \d+ schemas, \d+ checks, \d+ vectors, \d+ scenarios, \d+ cassettes$/)]);
  });

  test('prints `file: /json/path: message` per problem and returns 1', () => {
    const checks = readJson('checks.json');
    (checks['checks'] as Json[])[0]!['level'] = 'MAY';
    writeJson('checks.json', checks);
    const out: string[] = [];
    expect(runSpecsLint(dir, (l) => out.push(l))).toBe(1);
    expect(out).toEqual([`${join(dir, 'checks.json')}: /checks/0/level: must be one of "MUST", "SHOULD"`]);
  });

  test('yargs routes `specs lint --dir <dir>` to the lint and sets exit code 1 on problems', async () => {
    writeFileSync(join(dir, 'checks.json'), '{');
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const before = process.exitCode;
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await yargs(['specs', 'lint', '--dir', dir]).command(specsLintCommand).strict().fail((msg, err) => {
        throw err ?? new Error(msg);
      }).parseAsync();
      expect(process.exitCode).toBe(1);
    } finally {
      process.stdout.write = write;
      process.exitCode = before;
    }
    expect(written.join('')).toBe(`${join(dir, 'checks.json')}: /: invalid JSON at line 1, column 2: ${expectedJsonMessage('{')}\n`);
  });
});

function expectedJsonMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected invalid JSON');
}

test('a cassette with a planted secret is reported by oac specs lint with its file and JSON path', () => {
  const file = join(work, 'recordings', 'direct', 'tags.har');
  const har = JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: { request: { headers: { name: string; value: string }[] } }[] } };
  const field = 'AAAAC3NzaC1lZDI1NTE5AAAAI' + 'B'.repeat(43);
  har.log.entries[0]!.request.headers.push({ name: 'authorization', value: `${field}:${'A'.repeat(86)}==` });
  writeFileSync(file, JSON.stringify(har, null, 2));
  const problems = lintSpecs(dir);
  expect(problems.length).toBeGreaterThan(0);
  expect(problems.every((p) => p.file === 'recordings/direct/tags.har')).toBe(true);
  expect(problems.some((p) => p.path.startsWith('/log/entries/0/request/headers/'))).toBe(true);
});
