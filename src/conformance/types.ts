/**
 * The data that flows through `oac check`: a scenario is served by the conformance server, which
 * records observations; the subject runner records what the client process did; the judge turns
 * both channels into one verdict per check.
 */
import type { RequestRecord } from '../emulator/index.js';
import type { Verdict, VerdictKind } from '../rules/types.js';
import type { CheckId } from '../check-ids.js';
import type { ProcessRun } from '../child-process.js';

/** specs/schemas/scenario.schema.json, as loaded (validated before use). */
export interface Scenario {
  id: string;
  title: string;
  description?: string;
  flow: 'registry' | 'direct' | 'apikey' | 'basic' | 'tls' | 'keys';
  action: ExecAction;
  cassette?: string;
  /** Run the action this many times against one server (rules about consecutive requests). */
  runs?: number;
  mutation: MutationOp[];
  client: ClientSetup;
  expect: Expectation;
  reference: { outcome: 'success' | 'failure' | 'crash'; behaviour: string };
  source: { protocolRef: string[]; citations?: string[] };
  tags?: string[];
  /**
   * Where the scenario can run: `loopback` (the exec contract, the default) and/or `intercept` (the
   * client as it ships, through the intercept proxy). Absent: both.
   */
  modes?: CheckMode[];
  /** The file it was loaded from (not part of the schema). */
  file?: string;
}

export type CheckMode = 'loopback' | 'intercept';

export type ExecAction = 'registry-manifest' | 'cloud-tags' | 'cloud-whoami' | 'apikey-tags' | 'basic-tags';

export type MutationTarget = 'challenge' | 'token' | 'resource' | 'api' | 'proxy' | 'server';

/** One operation of a scenario's mutation (the schema's $defs/operation); fields depend on `op`. */
export interface MutationOp {
  op: 'replace-header' | 'remove-header' | 'add-header' | 'set-status' | 'set-body' | 'patch-json' | 'redirect' | 'delay' | 'drop-connection' | 'set-tls' | 'set-clock';
  target?: MutationTarget;
  occurrence?: 'all' | number;
  [field: string]: unknown;
}

export interface ClientSetup {
  key: 'present' | 'missing' | 'empty' | 'corrupt' | 'passphrase' | 'unsupported-type' | 'unregistered';
  apiKey?: 'granted' | 'revoked' | 'empty' | 'absent';
  credentials?: 'valid' | 'wrong' | 'absent';
  caBundle?: 'given' | 'absent';
  clientCert?: 'given' | 'absent';
  insecure?: boolean;
  clockSkewSeconds?: number;
}

interface Bound {
  min?: number;
  max?: number;
  exactly?: number;
  /** The check this bound decides (otherwise: the listed checks without evidence of their own). */
  check?: CheckId;
}

interface Expectation {
  outcome: 'success' | 'failure';
  /** Catalogue ids (`oac specs lint` rejects a scenario naming an unknown one). */
  checks: CheckId[];
  error?: { status?: number; contains?: string[]; signinUrl?: boolean };
  requests?: { tokenRequests?: Bound; resourceRequests?: Bound; otherHost?: Bound; total?: Bound };
}

// The client rules read the role, so it is defined there (a lower layer); re-exported for this module's importers.
import type { RequestRole } from '../rules/client/observations.js';
export type { RequestRole } from '../rules/client/observations.js';

/**
 * One request the conformance server (or its "other host") received, and what it answered: the emulator's
 * request record (method, url byte for byte, headers with every credential reduced to its shape, status,
 * findings with check ids, X-Oac-Reason) plus what only a scenario run has. No `at`: the order (`seq`)
 * is what the judge reads, and a scenario's shifted clock would make a time misleading.
 */
export interface Observation extends RequestRecord {
  seq: number;
  listener: 'main' | 'other';
  role: RequestRole;
  /** Mutation operations that changed this response (indexes into scenario.mutation). */
  mutated?: number[];
  /** The response body sent (tokens reduced to their shape; capped), for the report and the judge. */
  responseBody?: string;
  /** Response headers, lower-case names (`oac probe`, which sees what a deployment answered). */
  responseHeaders?: Record<string, string>;
  /** A command line that repeats this one request, secrets redacted (`oac probe`: a curl line). */
  reproduce?: string;
}

/** What the client process did. */
/** One run of the client under test (src/child-process.ts). */
export type ClientRun = ProcessRun;

// Decided by the rules layer, so defined there (a lower layer); re-exported for this module's importers.
export type { Verdict, VerdictKind } from '../rules/types.js';

export interface ScenarioResult {
  id: string;
  title: string;
  /** `probe`: one part of an `oac probe` run (a route, or the TLS, mTLS, CORS or drift checks). */
  flow: Scenario['flow'] | 'probe';
  /** `probe`: no client action; the harness itself sent the requests. */
  action: ExecAction | 'probe';
  /** The scenario's own verdict: the worst of its checks (error > fail > non-strict > pass > skip). */
  verdict: VerdictKind;
  verdicts: Verdict[];
  client: ClientRun | undefined;
  observations: Observation[];
  /** A one-line command that reruns just this scenario. */
  reproduce: string;
  durationMs: number;
  /** Set when the harness itself broke while running the scenario. */
  harnessError?: string;
}
