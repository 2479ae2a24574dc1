/** Loading and selecting the scenarios of specs/scenarios/ (each validated against scenario.schema.json). */
import { basename, join } from 'node:path';
import { OacError } from '../errors.js';
import { listJsonFiles, readJsonFile, specsDir } from '../specs/load.js';
import { assertValid } from '../specs/validate.js';
import { mutationTargetProblems } from './mutate.js';
import type { Scenario } from './types.js';

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
export function globToRegExp(pattern: string): RegExp {
  const alternatives = pattern.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const body = alternatives.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('|');
  return new RegExp(`^(?:${body})$`);
}

export interface Selection {
  scenario?: string;
  flow?: string;
}

export function selectScenarios(all: Scenario[], selection: Selection): Scenario[] {
  const byId = selection.scenario ? globToRegExp(selection.scenario) : undefined;
  const chosen = all.filter((s) => (!byId || byId.test(s.id)) && (!selection.flow || s.flow === selection.flow));
  if (chosen.length === 0) {
    const what = [selection.scenario && `--scenario ${selection.scenario}`, selection.flow && `--flow ${selection.flow}`].filter(Boolean).join(' ');
    throw new OacError('check/no-scenarios', `no scenario matches ${what || 'the selection'} (there are ${all.length}: oac check --list shows them)`);
  }
  return chosen;
}
