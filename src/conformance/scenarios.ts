/** Loading and selecting the scenarios of specs/scenarios/ (each validated against scenario.schema.json). */
import { basename, join } from 'node:path';
import { OacError } from '../errors.js';
import { listJsonFiles, readJsonFile, specsDir } from '../specs/load.js';
import { assertValid } from '../specs/validate.js';
import { mutationTargetProblems } from './mutate.js';
import type { CheckMode, ExecAction, Scenario } from './types.js';

export function scenariosDir(): string {
  return join(specsDir(), 'scenarios');
}

export function loadScenarios(dir: string = scenariosDir()): Scenario[] {
  const scenarios = listJsonFiles(dir).map((file) => {
    const doc = readJsonFile(file);
    assertValid('scenario', doc, file);
    const scenario = doc as Scenario;
    const [problem] = mutationTargetProblems(scenario);
    if (problem) throw new OacError('scenario/bad-target', `${file}: /mutation/${problem.index}/target: ${problem.message}`);
    return { ...scenario, file: basename(file) };
  });
  const seen = new Map<string, string>();
  for (const s of scenarios) {
    const earlier = seen.get(s.id);
    if (earlier) throw new OacError('scenario/duplicate-id', `scenario id ${s.id} is used by both ${earlier} and ${s.file}`);
    seen.set(s.id, s.file ?? '');
  }
  return scenarios.sort((a, b) => a.id.localeCompare(b.id, 'en'));
}

/** `*` matches any run of characters; several patterns may be given separated by commas. */
function globToRegExp(pattern: string): RegExp {
  const alternatives = pattern.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const body = alternatives.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('|');
  return new RegExp(`^(?:${body})$`);
}

export interface Selection {
  scenario?: string;
  flow?: string;
  /** `intercept`: only the scenarios of `action`; `any`: every mode (the mutation matrix picks per mutant); default `loopback`. */
  mode?: CheckMode | 'any';
  action?: ExecAction;
}

const ALL_MODES: readonly CheckMode[] = ['loopback', 'intercept'];

/** The modes a scenario runs in (absent in the file: all of them). */
export function scenarioModes(scenario: Scenario): readonly CheckMode[] {
  return scenario.modes ?? ALL_MODES;
}

/**
 * Why a scenario cannot run in intercept mode, or undefined when it can: the proxy terminates TLS itself
 * and hands plain HTTP to the server, so a scenario about the server's own TLS (a version, a CA or a
 * client certificate given to the client) has no listener to run on.
 */
export function interceptSkipReason(scenario: Scenario): string | undefined {
  const tls = scenario.mutation.some((op) => op.op === 'set-tls');
  if (tls || scenario.client.caBundle === 'given' || scenario.client.clientCert === 'given') {
    return 'not run in intercept mode: the scenario needs a TLS listener of its own (version, CA or client certificate), and in intercept mode the proxy terminates TLS with the per-run CA';
  }
  return undefined;
}

export function selectScenarios(all: Scenario[], selection: Selection): Scenario[] {
  const mode = selection.mode ?? 'loopback';
  // An intercept-only scenario names the real hosts: in loopback mode it is not even listed.
  const runnable = all.filter((s) => (mode === 'any' || scenarioModes(s).includes(mode)) && (mode !== 'intercept' || selection.action === undefined || s.action === selection.action));
  const byId = selection.scenario ? globToRegExp(selection.scenario) : undefined;
  const chosen = runnable.filter((s) => (!byId || byId.test(s.id)) && (!selection.flow || s.flow === selection.flow));
  if (chosen.length === 0) {
    const what = [selection.scenario && `--scenario ${selection.scenario}`, selection.flow && `--flow ${selection.flow}`, mode === 'intercept' && `--intercept${selection.action ? ` --action ${selection.action}` : ''}`].filter(Boolean).join(' ');
    throw new OacError('check/no-scenarios', `no scenario matches ${what || 'the selection'} (there are ${runnable.length}: oac check --list shows them)`);
  }
  return chosen;
}
