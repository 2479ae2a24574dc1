/**
 * action.yml, read as GitHub reads it and run as a runner runs it: its structure (a composite action, the
 * inputs the README documents, bash steps, no `${{ }}` inside a script), then its shell steps executed in
 * order with bash against this repository, with a fake GITHUB_ACTION_PATH (the repository's built dist/ and
 * node_modules linked in, so the build step finds it built), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in a
 * temp dir removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verifyEvidence } from '../../src/evidence/index.js';
import { parseMiniYaml, type YamlValue } from './mini-yaml.js';

const REPO = resolve('.');
const CLI = join(REPO, 'dist', 'cli', 'main.js');

type Map = { [key: string]: YamlValue };
const asMap = (v: YamlValue | undefined, what: string): Map => {
  if (v === undefined || typeof v === 'string' || Array.isArray(v)) throw new Error(`${what}: expected a mapping`);
  return v;
};
const asString = (v: YamlValue | undefined, what: string): string => {
  if (typeof v !== 'string') throw new Error(`${what}: expected a string`);
  return v;
};

const action = asMap(parseMiniYaml(readFileSync(join(REPO, 'action.yml'), 'utf8')), 'action.yml');
const inputs = asMap(action['inputs'], 'inputs');
const runs = asMap(action['runs'], 'runs');
const steps = (runs['steps'] as YamlValue[]).map((s, i) => asMap(s, `steps[${i}]`));

describe('action.yml structure', () => {
  test('a composite action with the documented inputs and outputs', () => {
    expect(asString(action['name'], 'name')).toBe('Ollama auth conformance');
    expect(asString(runs['using'], 'using')).toBe('composite');
    expect(Object.keys(inputs)).toEqual(['client', 'scenario', 'flow', 'scenarios', 'baseline', 'strict', 'report-dir', 'probe-url']);
    expect(asMap(inputs['client'], 'client')['required']).toBe('true');
    for (const [name, spec] of Object.entries(inputs)) {
      if (name === 'client') continue;
      expect([name, asMap(spec, name)['required']]).toEqual([name, 'false']);
    }
    expect(asMap(inputs['report-dir'], 'report-dir')['default']).toBe('oac-report');
    expect(Object.keys(asMap(action['outputs'], 'outputs'))).toEqual(['verdict', 'report-dir']);
    expect(steps.map((s) => s['name'])).toEqual(['Build the harness', 'oac check', 'oac probe', 'Verdict']);
  });

  test('every step is bash, and inputs reach scripts only through env (no ${{ }} inside a run script)', () => {
    for (const step of steps) {
      expect([step['name'], step['shell']]).toEqual([step['name'], 'bash']);
      expect([step['name'], asString(step['run'], 'run').includes('${{')]).toEqual([step['name'], false]);
    }
    const referenced = JSON.stringify(action).match(/inputs\.[a-z-]+/g) ?? [];
    for (const ref of referenced) expect(Object.keys(inputs)).toContain(ref.slice('inputs.'.length));
  });
});

/** The `${{ }}` expressions action.yml uses, evaluated as the runner would. */
function evaluate(expr: string, ctx: { inputs: Record<string, string>; actionPath: string; outputs: Record<string, Record<string, string>> }): string {
  const e = expr.trim();
  if (e === 'github.action_path') return ctx.actionPath;
  let m = /^inputs\.([a-z-]+)$/.exec(e);
  if (m) return ctx.inputs[m[1]!] ?? asString(asMap(inputs[m[1]!], m[1]!)['default'] ?? '', m[1]!);
  m = /^steps\.([a-z]+)\.outputs\.([a-z-]+)$/.exec(e);
  if (m) return ctx.outputs[m[1]!]?.[m[2]!] ?? '';
  m = /^inputs\.([a-z-]+) != ''$/.exec(e);
  if (m) return evaluate(`inputs.${m[1]}`, ctx) !== '' ? 'true' : 'false';
  throw new Error(`action.yml uses an expression this test does not evaluate: ${e}`);
}

function substitute(text: string, ctx: Parameters<typeof evaluate>[1]): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_m, e: string) => evaluate(e, ctx));
}

function parseOutputs(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

interface ActionRun {
  outputs: Record<string, Record<string, string>>;
  log: string;
  failedStep?: string;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'oac-action-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Run every step of action.yml in order, as a runner does (a failing step stops the job). */
function runAction(name: string, given: Record<string, string>, summary: string): ActionRun {
  const actionPath = join(root, name, 'action');
  const workspace = join(root, name, 'workspace');
  mkdirSync(actionPath, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  for (const entry of ['dist', 'node_modules', 'specs', 'package.json']) symlinkSync(join(REPO, entry), join(actionPath, entry));
  const ctx = { inputs: given, actionPath, outputs: {} as Record<string, Record<string, string>> };
  let log = '';
  for (const [i, step] of steps.entries()) {
    if (step['if'] !== undefined && substitute(asString(step['if'], 'if'), ctx) !== 'true') continue;
    const outputFile = join(root, name, `output-${i}`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      TMPDIR: process.env['TMPDIR'],
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: workspace,
    };
    for (const [k, v] of Object.entries(asMap(step['env'] ?? {}, 'env'))) env[k] = substitute(asString(v, k), ctx);
    const cwd = step['working-directory'] === undefined ? workspace : substitute(asString(step['working-directory'], 'working-directory'), ctx);
    // Exactly how the runner starts a `shell: bash` step: the script in a file, `bash --noprofile --norc -eo pipefail {0}`.
    const script = join(root, name, `step-${i}.sh`);
    writeFileSync(script, asString(step['run'], 'run'));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8', timeout: 120_000 });
    log += `## ${String(step['name'])}\n${r.stdout}${r.stderr}`;
    if (typeof step['id'] === 'string') ctx.outputs[step['id']] = parseOutputs(outputFile);
    if (r.status !== 0) return { outputs: ctx.outputs, log, failedStep: asString(step['name'], 'name') };
  }
  return { outputs: ctx.outputs, log };
}

describe('action.yml steps, run with bash against this repository', () => {
  test('a passing client: evidence in report-dir, the Markdown in the step summary, verdict pass', () => {
    const summary = join(root, 'pass-summary.md');
    const run = runAction('pass', { client: `node ${CLI} client`, scenario: 'registry/golden' }, summary);
    expect([run.failedStep, run.outputs['verdict']]).toEqual([undefined, { verdict: 'pass' }]);
    expect(run.log).toContain('oac: harness already built in');
    const reportDir = join(root, 'pass', 'workspace', 'oac-report');
    expect(run.outputs['check']).toEqual({ 'report-dir': reportDir, 'exit-code': '0' });
    expect(run.outputs['probe']).toBeUndefined();
    expect(verifyEvidence(reportDir).ok).toBe(true);
    const markdown = readFileSync(join(reportDir, 'evidence.md'), 'utf8');
    expect(markdown.split('\n')[0]).toBe('## ✅ Ollama auth conformance: PASS');
    expect(readFileSync(summary, 'utf8')).toBe(markdown);
  });

  test('a failing client: the evidence is still written, the Verdict step fails the job with an error annotation', () => {
    const summary = join(root, 'fail-summary.md');
    writeFileSync(summary, '');
    const run = runAction('fail', { client: "sh -c 'exit 1'", scenario: 'registry/golden', 'report-dir': 'out/evidence' }, summary);
    expect(run.failedStep).toBe('Verdict');
    expect(run.outputs['check']?.['exit-code']).toBe('1');
    expect(run.outputs['verdict']).toEqual({ verdict: 'fail' });
    expect(run.log).toContain('::error title=oac check::oac check exited 1; evidence.md in the report folder and the job summary say why');
    const reportDir = join(root, 'fail', 'workspace', 'out', 'evidence');
    expect(verifyEvidence(reportDir).ok).toBe(true);
    expect(readFileSync(summary, 'utf8').split('\n')[0]).toBe('## ❌ Ollama auth conformance: FAIL');
  });

  test('a strict input that is neither true nor false stops with a clear annotation', () => {
    const run = runAction('strict', { client: `node ${CLI} client`, scenario: 'registry/golden', strict: 'yes' }, join(root, 'strict-summary.md'));
    expect(run.failedStep).toBe('Verdict');
    expect(run.log).toContain('::error title=oac::input strict must be true or false, got: yes');
  });
});
