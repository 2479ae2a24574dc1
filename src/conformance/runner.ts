/**
 * `oac check` as a library: for each scenario, a fresh conformance server on a fresh loopback port, a
 * fresh temporary HOME, the client under test in its own process, then the judge. Scenarios run
 * `jobs` at a time; each one is independent, so a crash or hang in one cannot colour another.
 */
import { randomBytes } from 'node:crypto';
import { OacError } from '../errors.js';
import { ollamaKeyFiles, type OllamaKeyFiles } from '../keys/index.js';
import { checkCatalog } from '../specs/catalog.js';
import { assertValid } from '../specs/validate.js';
import { applyBaseline, countsAsFailure, type Baseline, type UnexpectedPass } from './baseline.js';
import { cassetteOverlay, servableCassettes, type CassetteOverlay } from './cassette.js';
import type { Cassette } from '../recorder/har.js';
import { judge, worstVerdict } from './judge.js';
import { createOacShim } from './oac-shim.js';
import { assertClientCommandExists } from './client-command.js';
import { generateTlsKit, type TlsKit } from '../emulator/index.js';
import { createWorkspace, type Workspace } from '../workspace.js';
import { applyInterceptEnvironment, createInterceptCa, type InterceptCa } from '../intercept/index.js';
import { INTERCEPTED_HOSTS } from './intercept-lane.js';
import { interceptError, loopbackNoProxy } from './intercept-run.js';
import { interceptSkipReason, scenarioModes } from './scenarios.js';
import { SCENARIO_MODEL, startConformanceServer, type RunningServer } from './server.js';
import { clientEnvironment, createSpecialKeys, homeKeyFiles, prepareHome, runClient, runCommandLine, shellQuote, specialKeyKinds, type HomeKeyFiles, type SpecialKeys } from './subject.js';
import type { ClientRun, ExecAction, Observation, Scenario, ScenarioResult, Verdict } from './types.js';

export interface CheckOptions {
  /** The client command; the action and target are appended as two shell-quoted arguments. */
  client: string;
  scenarios: Scenario[];
  jobs?: number;
  timeoutMs?: number;
  baseline?: Baseline;
  /** Loads a scenario's cassette overlay (absent: the emulator's own golden behaviour). */
  overlayFor?: (scenario: Scenario) => CassetteOverlay | undefined;
  /** Called as each scenario finishes (live progress). */
  onResult?: (result: ScenarioResult) => void;
  /** How to rerun one scenario: prefix of the reproduce line (default `oac check --client '<client>'`). */
  reproducePrefix?: string;
  strict?: boolean;
  /**
   * Intercept mode: `client` is a whole command line, run as given (no action or target appended), with
   * the proxy and CA variables of src/intercept; the server answers as registry.ollama.ai and ollama.com.
   */
  intercept?: boolean;
}

export interface CheckOutcome {
  results: ScenarioResult[];
  unexpectedPasses: UnexpectedPass[];
  /** 0 only when nothing unexpected failed. */
  exitCode: 0 | 1;
  startedAt: string;
  finishedAt: string;
  /** The generated API key and Basic password of this run: reports scrub them from anything a client printed. */
  secrets: string[];
}

/** The credentials the harness hands out for one run: generated, never real, never reused. */
interface RunSecrets {
  /** The registered key (its seed, public-key field and files), derived once and written into every `present` home. */
  registered: OllamaKeyFiles;
  apiKey: string;
  /** The key a `revoked` scenario hands out: the server refuses it, and reports still scrub it. */
  revokedApiKey: string;
  basic: { user: string; pass: string };
}

function newSecrets(): RunSecrets {
  return {
    registered: ollamaKeyFiles(new Uint8Array(randomBytes(32))),
    apiKey: `oac-test-${randomBytes(12).toString('hex')}`,
    revokedApiKey: `oac-revoked-${randomBytes(12).toString('hex')}`,
    basic: { user: 'oac', pass: randomBytes(9).toString('base64url') },
  };
}

function actionTarget(action: ExecAction, server: RunningServer, scenario: Scenario, secrets: RunSecrets): string {
  switch (action) {
    case 'registry-manifest':
      return `${server.origin}/v2/${SCENARIO_MODEL.repository}/manifests/${SCENARIO_MODEL.tag}`;
    case 'cloud-tags':
    case 'cloud-whoami':
    case 'apikey-tags':
      return server.origin;
    case 'basic-tags': {
      const credentials = scenario.client.credentials ?? 'valid';
      if (credentials === 'absent') return server.origin;
      const pass = credentials === 'valid' ? secrets.basic.pass : `${secrets.basic.pass}-wrong`;
      const url = new URL(server.origin);
      return `${url.protocol}//${encodeURIComponent(secrets.basic.user)}:${encodeURIComponent(pass)}@${url.host}`;
    }
  }
}

function apiKeyFor(scenario: Scenario, secrets: RunSecrets): string | undefined {
  switch (scenario.client.apiKey ?? 'absent') {
    case 'granted':
      return secrets.apiKey;
    case 'revoked':
      return secrets.revokedApiKey;
    case 'empty':
      return '';
    default:
      return undefined;
  }
}

/** What every scenario of one run shares: its folder, the `oac` shim, and the TLS certificates (made on first use). */
interface RunContext {
  secrets: RunSecrets;
  workspace: Workspace;
  shimDir: string;
  tlsKit: () => Promise<TlsKit>;
  /** The RSA and passphrase-protected key files (ssh-keygen), made once per run and copied into homes. */
  specialKeys: SpecialKeys;
  /**
   * The environment `oac check` was started with, copied once: process.env is a live view that is slow
   * to walk, and every scenario's client environment starts from it.
   */
  baseEnv: NodeJS.ProcessEnv;
  /** The run's cassettes by name, each loaded and checked once. */
  cassette: (name: string) => Cassette;
  /** The registered and the unregistered key files, derived once per run and written into each home. */
  keyFiles: HomeKeyFiles;
  /** Intercept mode: the per-run CA with a leaf for every intercepted name (made on first use). */
  interceptCa: () => Promise<InterceptCa>;
}

function once<T>(make: () => T | Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= Promise.resolve().then(make));
}

async function runScenario(scenario: Scenario, opts: CheckOptions, run: RunContext, onWait?: (waiting: boolean) => void): Promise<ScenarioResult> {
  const { secrets, shimDir } = run;
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const reproduce = `${opts.reproducePrefix ?? `oac check --client ${shellQuote(opts.client)}`} --scenario ${shellQuote(scenario.id)}`;
  const base = { id: scenario.id, title: scenario.title, flow: scenario.flow, action: scenario.action, reproduce };
  const skipReason = opts.intercept
    ? interceptSkipReason(scenario)
    : scenarioModes(scenario).includes('loopback') ? undefined : 'not run in loopback mode: an intercept-only scenario names the public hosts (oac check --intercept runs it)';
  if (skipReason !== undefined) {
    const verdicts = scenario.expect.checks.map((check): Verdict => ({ check, level: checkCatalog().get(check)?.level ?? 'MUST', verdict: 'skip', message: skipReason }));
    return { ...base, verdict: worstVerdict(verdicts), verdicts, client: undefined, observations: [], durationMs: Date.now() - started };
  }
  let server: RunningServer | undefined;
  let home: { home: string; cleanup(): Promise<void> } | undefined;
  let client: ClientRun | undefined;
  let observations: Observation[] = [];
  const harnessErrors: string[] = [];
  let ca: InterceptCa | undefined;
  try {
    let origin = '';
    const overlay = opts.overlayFor ? opts.overlayFor(scenario) : scenario.cassette ? cassetteOverlay(scenario.cassette, run.cassette(scenario.cassette), () => origin) : undefined;
    ca = opts.intercept ? await run.interceptCa() : undefined;
    server = await startConformanceServer({ scenario, registeredKey: secrets.registered.key.publicKeyField, apiKey: secrets.apiKey, basic: secrets.basic, tlsKit: run.tlsKit, ...(overlay ? { overlay } : {}), ...(ca ? { intercept: { ca } } : {}), ...(onWait ? { onWait } : {}) });
    origin = server.origin;
    home = await prepareHome(scenario.client, { registeredSeed: secrets.registered.key.seed, tmpRoot: run.workspace.dir, keep: false, specialKeys: run.specialKeys, keyFiles: run.keyFiles });
    const apiKey = apiKeyFor(scenario, secrets);
    const env = clientEnvironment(run.baseEnv, {
      home: home.home,
      action: scenario.action,
      scenario: scenario.id,
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(scenario.client.caBundle === 'given' && server.caFile ? { caFile: server.caFile } : {}),
      ...(scenario.client.clientCert === 'given' && server.clientCert ? { clientCert: { cert: server.clientCert.certPath, key: server.clientCert.keyPath } } : {}),
    });
    const target = actionTarget(scenario.action, server, scenario, secrets);
    // The contract is data too: an invocation the schema refuses is a harness bug, caught before the client runs.
    assertValid('exec-contract', { contract: 'oac-exec/1', scenario: scenario.id, action: scenario.action, target, env, timeoutMs }, `invocation of ${scenario.id}`);
    env['PATH'] = `${shimDir}:${env['PATH'] ?? ''}`;
    const runEnv = ca && server.proxy ? applyInterceptEnvironment(env, server.proxy.url, ca.bundlePath) : { ...env, ...loopbackNoProxy() };
    // Several runs share one server, so rules across requests (fresh ts, fresh nonce) can be observed; the
    // run judged is the first that went wrong, else the last.
    for (let run = 0; run < (scenario.runs ?? 1); run++) {
      const current = opts.intercept
        ? await runCommandLine(opts.client, runEnv, { timeoutMs, cwd: process.cwd() })
        : await runClient(opts.client, scenario.action, target, runEnv, { timeoutMs, cwd: process.cwd() });
      client = current;
      if (current.timedOut || current.spawnError || current.exitCode !== 0) break;
    }
  } catch (err) {
    harnessErrors.push(err instanceof Error ? `${err instanceof OacError ? `${err.code}: ` : ''}${err.message}` : String(err));
  } finally {
    if (server) {
      // Requests still in flight when a killed client's sockets close are recorded before we judge.
      await server.stop().catch((err: unknown) => harnessErrors.push(`stopping the server: ${(err as Error).message}`));
      observations = server.observations;
      harnessErrors.push(...server.harnessErrors);
    }
    await home?.cleanup().catch((err: unknown) => harnessErrors.push((err as Error).message));
  }
  const proxyProblem = server?.proxy && client ? interceptError(scenario, client, server.proxy) : undefined;
  const verdicts = judge({ scenario, observations, client, harnessErrors, catalog: checkCatalog(), timeoutMs, ...(proxyProblem ? { interceptError: proxyProblem } : {}) });
  return {
    ...base,
    verdict: worstVerdict(verdicts),
    verdicts,
    client,
    observations,
    durationMs: Date.now() - started,
    ...(harnessErrors.length ? { harnessError: harnessErrors.join('; ') } : {}),
  };
}

/**
 * Runs the scenarios `jobs` at a time, in their order; results keep that order. A scenario whose server
 * is holding a response back on purpose (waiting for the next whole second) does not count against
 * `jobs` while it waits: its client is idle, and another scenario uses the slot. When the wait ends, both
 * run until one finishes; no new scenario starts before the count is under `jobs` again.
 */
export function runPool(
  scenarios: readonly Scenario[],
  jobs: number,
  runOne: (scenario: Scenario, onWait: (waiting: boolean) => void) => Promise<ScenarioResult>,
  onResult: ((result: ScenarioResult) => void) | undefined,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = new Array(scenarios.length);
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let waiting = 0;
    let finished = 0;
    const fill = (): void => {
      while (next < scenarios.length && running - waiting < jobs) start(next++);
      if (finished === scenarios.length) resolve(results);
    };
    const start = (index: number): void => {
      running++;
      let held = false;
      const onWait = (now: boolean): void => {
        if (now === held) return;
        held = now;
        waiting += now ? 1 : -1;
        if (now) fill();
      };
      runOne(scenarios[index]!, onWait).then((result) => {
        onWait(false);
        running--;
        finished++;
        results[index] = result;
        onResult?.(result);
        fill();
      }, reject);
    };
    fill();
  });
}

export async function runCheck(opts: CheckOptions): Promise<CheckOutcome> {
  const startedAt = new Date().toISOString();
  const jobs = Math.max(1, Math.min(opts.jobs ?? 1, 16));
  const secrets = newSecrets();
  const workspace = createWorkspace('oac-check-');
  let run: RunContext;
  try {
    run = {
      secrets,
      workspace,
      shimDir: createOacShim(workspace.subdir('shim-')).dir,
      tlsKit: once(() => generateTlsKit(workspace.subdir('tls-'))),
      specialKeys: createSpecialKeys(workspace.subdir('keys-'), specialKeyKinds(opts.scenarios)),
      keyFiles: homeKeyFiles(secrets.registered),
      baseEnv: { ...process.env },
      cassette: servableCassettes(),
      interceptCa: once(() => createInterceptCa({ dir: workspace.subdir('intercept-ca-'), hostnames: INTERCEPTED_HOSTS })),
    };
    // `oac` in a client command is the shim, so the look-up sees the PATH the client will get.
    await assertClientCommandExists(opts.client, { ...process.env, PATH: `${run.shimDir}:${process.env['PATH'] ?? ''}` });
    // Certificates are made off the critical path, while the first scenarios run: the TLS scenario that
    // needs them awaits the same promise, so a failure still reaches it (and only it) as a harness error.
    if (opts.scenarios.some((s) => s.mutation.some((op) => op.op === 'set-tls'))) run.tlsKit().catch(() => undefined);
  } catch (err) {
    workspace.remove();
    throw err;
  }
  let results: ScenarioResult[];
  try {
    results = await runPool(opts.scenarios, jobs, (scenario, onWait) => runScenario(scenario, opts, run, onWait), opts.onResult);
  } finally {
    workspace.remove();
  }
  const unexpectedPasses = applyBaseline(results, opts.baseline);
  for (const r of results) r.verdict = worstVerdict(r.verdicts.filter((v) => !v.expectedFailure));
  const failed = results.some((r) => r.verdicts.some((v) => countsAsFailure(v, opts.strict ?? false)));
  return { results, unexpectedPasses, exitCode: failed ? 1 : 0, startedAt, finishedAt: new Date().toISOString(), secrets: [secrets.apiKey, secrets.revokedApiKey, secrets.basic.pass] };
}
