/**
 * `oac explain <check-id>`: everything the project holds about one check, in one place (h2spec keeps a
 * requirement beside its test): the catalogue entry (requirement, level, reference, sources, docs/protocol.md
 * ids), the code that names it, the scenarios that decide it, the vectors that exercise it and the mutants
 * it must catch. `oac explain --list` names every check.
 *
 * The code is found by scanning this package's own modules for the id as a quoted string literal: the
 * compiled `.js` files under dist/ when the CLI runs built (a clone after `npm run build`, or an installed
 * package, which ships dist/ but not src/), each named by its `src/` file through the source map beside
 * it; the `.ts` files under src/ when it runs from source. So the answer is about the code that actually
 * runs. The generated id list (src/check-ids) names every id and is left out.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { OacError } from '../errors.js';
import { checkCatalog, editDistance, type CheckCatalogFile, type CheckEntry } from '../specs/catalog.js';
import { listJsonFiles, readJsonFile, specsDir } from '../specs/load.js';
import { usage } from './args.js';

interface ExplainArgs {
  'check-id'?: string;
  list: boolean;
}

/** The package root: this module is `<root>/dist/cli/explain.js` built, `<root>/src/cli/explain.ts` from source. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The folder of modules this CLI runs from (dist/ or src/), and their extension. */
const CODE_DIR = fileURLToPath(new URL('../', import.meta.url));
const CODE_EXT = extname(fileURLToPath(import.meta.url));
const MUTANT_CATALOG = join(PACKAGE_ROOT, 'examples', 'mutants', 'catalog.json');

const REFERENCE_MEANING: Record<CheckEntry['reference'], string> = {
  REF: "Ollama's own client meets this rule",
  HARDEN: "stricter than Ollama's own client (recommended for new clients; against Ollama it shows only with --strict)",
  'REF-GAP': "Ollama's own client breaks this rule",
};

export interface ScenarioUse {
  id: string;
  title: string;
}

export interface VectorUse {
  file: string;
  /** Names of the tests that list the check; empty when only the file as a whole lists it. */
  tests: string[];
  total: number;
}

export interface MutantUse {
  name: string;
  scenarios: string[];
}

export interface Explanation {
  entry: CheckEntry;
  protocolCommit: string | undefined;
  ruleFiles: string[];
  scenarios: ScenarioUse[];
  vectors: VectorUse[];
  /** undefined: the mutant catalogue is not part of this installation. */
  mutants: MutantUse[] | undefined;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const display = (file: string): string => relative(PACKAGE_ROOT, file).split(sep).join('/');

/** Every module file under `dir` with extension `ext` (declaration files excluded), sorted. */
function moduleFiles(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...moduleFiles(path, ext));
    else if (entry.name.endsWith(ext) && !entry.name.endsWith(`.d${ext}`)) out.push(path);
  }
  return out.sort();
}

/**
 * The source file a built module came from, per its source map; undefined for a stale build output whose
 * source no longer exists in a checkout that has src/ (tsc never deletes old outputs).
 */
function sourceOf(file: string): string | undefined {
  const map = `${file}.map`;
  if (!existsSync(map)) return display(file);
  let doc: { sources?: unknown; sourceRoot?: unknown };
  try {
    doc = JSON.parse(readFileSync(map, 'utf8')) as typeof doc;
  } catch (err) {
    throw new OacError('explain/source-map', `${map}: cannot read the source map of ${display(file)}: ${(err as Error).message}`, { cause: err });
  }
  const [source] = strings(doc.sources);
  if (source === undefined) return display(file);
  const path = resolve(dirname(file), typeof doc.sourceRoot === 'string' ? doc.sourceRoot : '', source);
  if (existsSync(join(PACKAGE_ROOT, 'src')) && !existsSync(path)) return undefined;
  return display(path);
}

/** The modules that name `id` as a quoted string literal ('id' or "id"). */
export function ruleFilesOf(id: string): string[] {
  const quoted = [`'${id}'`, `"${id}"`];
  const files = moduleFiles(CODE_DIR, CODE_EXT)
    .filter((file) => !file.endsWith(`${sep}check-ids${CODE_EXT}`))
    .filter((file) => {
      const text = readFileSync(file, 'utf8');
      return quoted.some((q) => text.includes(q));
    });
  const shown = CODE_EXT === '.js' ? files.map(sourceOf) : files.map(display);
  return [...new Set(shown.filter((f): f is string => f !== undefined))].sort();
}

/** Scenarios whose expectation lists `id` (in `expect.checks` or as the check a request bound decides). */
function scenariosOf(id: string): ScenarioUse[] {
  const out: ScenarioUse[] = [];
  for (const file of listJsonFiles(join(specsDir(), 'scenarios'))) {
    const doc = readJsonFile(file);
    if (!isRecord(doc) || !isRecord(doc['expect'])) continue;
    const expect = doc['expect'];
    const bounds = isRecord(expect['requests']) ? Object.values(expect['requests']) : [];
    const named = strings(expect['checks']).includes(id) || bounds.some((b) => isRecord(b) && b['check'] === id);
    if (named) out.push({ id: String(doc['id']), title: String(doc['title'] ?? '') });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id, 'en'));
}

/** Vector files that name `id`, for the whole file or for some of its tests. */
function vectorsOf(id: string): VectorUse[] {
  const out: VectorUse[] = [];
  for (const file of listJsonFiles(join(specsDir(), 'vectors'))) {
    const doc = readJsonFile(file);
    if (!isRecord(doc)) continue;
    const tests = Array.isArray(doc['tests']) ? doc['tests'].filter(isRecord) : [];
    const named = tests.filter((t) => strings(t['checks']).includes(id)).map((t) => String(t['name'] ?? '(unnamed)'));
    const fileLevel = strings(doc['checks']).includes(id);
    if (fileLevel || named.length > 0) out.push({ file: display(file), tests: named, total: tests.length });
  }
  return out;
}

/** Mutants whose catalogue entry says `id` must catch them, with the scenarios where it must. */
function mutantsOf(id: string): MutantUse[] | undefined {
  if (!existsSync(MUTANT_CATALOG)) return undefined;
  const doc = readJsonFile(MUTANT_CATALOG);
  const mutants = isRecord(doc) && Array.isArray(doc['mutants']) ? doc['mutants'].filter(isRecord) : [];
  const out: MutantUse[] = [];
  for (const m of mutants) {
    const expectations = Array.isArray(m['mustBeCaughtBy']) ? m['mustBeCaughtBy'].filter(isRecord) : [];
    const scenarios = expectations.filter((e) => strings(e['checks']).includes(id)).map((e) => String(e['scenario']));
    if (scenarios.length > 0) out.push({ name: String(m['name']), scenarios });
  }
  return out;
}

export function explain(entry: CheckEntry, protocolCommit: string | undefined): Explanation {
  return {
    entry,
    protocolCommit,
    ruleFiles: ruleFilesOf(entry.id),
    scenarios: scenariosOf(entry.id),
    vectors: vectorsOf(entry.id),
    mutants: mutantsOf(entry.id),
  };
}

/** How many test names a vector line shows before it says "and N more". */
const SHOWN_TESTS = 4;

const LABEL_WIDTH = 'requirement'.length;

/** Label, then the first value; further values aligned under it. */
function field(label: string, values: readonly string[]): string[] {
  const [first, ...rest] = values.length > 0 ? values : ['(none)'];
  return [`  ${label.padEnd(LABEL_WIDTH)}  ${first}`, ...rest.map((v) => `${' '.repeat(LABEL_WIDTH + 4)}${v}`)];
}

export function renderExplanation(x: Explanation): string[] {
  const { entry } = x;
  const at = x.protocolCommit ? ` (ollama/ollama ${x.protocolCommit})` : '';
  const noCode = x.scenarios.length > 0 ? '(no module names it: the judge decides it from the scenarios that list it)' : '(no module names it)';
  const vectors = x.vectors.map((v) => {
    if (v.tests.length === 0) return `${v.file}  all ${v.total} tests (listed for the whole file)`;
    const names = v.tests.slice(0, SHOWN_TESTS).map((n) => JSON.stringify(n)).join(', ');
    const more = v.tests.length > SHOWN_TESTS ? `, and ${v.tests.length - SHOWN_TESTS} more` : '';
    return `${v.file}  ${v.tests.length} of ${v.total} tests: ${names}${more}`;
  });
  const width = Math.max(0, ...x.scenarios.map((s) => s.id.length));
  return [
    entry.title ? `${entry.id}: ${entry.title}` : entry.id,
    ...field('level', [entry.level]),
    ...field('requirement', [entry.requirement]),
    ...field('reference', [`${entry.reference}: ${REFERENCE_MEANING[entry.reference]}${at}`]),
    ...(entry.note ? field('note', [entry.note]) : []),
    ...field('source', entry.source),
    ...field('protocol', entry.protocolRef.length > 0 ? [`${entry.protocolRef.join(', ')} (docs/protocol.md)`] : []),
    ...field('flows', [entry.flows.join(', ')]),
    ...field('code', x.ruleFiles.length > 0 ? x.ruleFiles : [noCode]),
    ...field('scenarios', x.scenarios.map((s) => `${s.id.padEnd(width)}  ${s.title}`)),
    ...field('vectors', vectors),
    ...field('mutants', x.mutants === undefined
      ? ['(examples/mutants/catalog.json is not part of this installation)']
      : x.mutants.map((m) => `${m.name}  (in ${m.scenarios.join(', ')})`)),
  ];
}

const leaf = (id: string): string => id.slice(id.lastIndexOf('/') + 1);

/**
 * The ids a user most likely meant: those that start with what was typed (a group such as `registry/realm`),
 * else those with the same last segment (the rule under another flow), then the closest by edit distance.
 */
export function nearestCheckIds(input: string, ids: readonly string[], max = 3): string[] {
  const prefixed = ids.filter((id) => id.startsWith(input));
  if (prefixed.length > 0) return prefixed.slice(0, max);
  const sameLeaf = ids.filter((id) => leaf(id) === leaf(input));
  const byDistance = [...ids].sort((a, b) => editDistance(input, a) - editDistance(input, b) || a.localeCompare(b, 'en'));
  return [...new Set([...sameLeaf, ...byDistance])].slice(0, max);
}

function protocolCommit(): string | undefined {
  return (readJsonFile(join(specsDir(), 'checks.json')) as CheckCatalogFile).protocolCommit;
}

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain [check-id]',
  describe: 'Show everything about one check: requirement, level, sources, the code, scenarios, vectors and mutants',
  builder: (y) =>
    y
      .positional('check-id', { type: 'string', describe: 'a check id of specs/checks.json, e.g. registry/realm/same-host' })
      .option('list', { type: 'boolean', default: false, describe: 'list every check id with its level and title' })
      .example('$0 explain registry/realm/same-host', 'the realm-host rule (CVE-2025-51471)')
      .example('$0 explain --list', 'every check, one per line'),
  handler: (args) => {
    const catalog = checkCatalog();
    const id = args['check-id'];
    if (args.list) {
      if (id !== undefined) throw usage(`give a check id or --list, not both (got ${JSON.stringify(id)} and --list)`);
      for (const entry of catalog.values()) process.stdout.write(`${entry.id}\t${entry.level}\t${entry.title ?? ''}\n`);
      return;
    }
    if (id === undefined) throw usage('name a check id (oac explain --list shows them all)');
    const entry = catalog.get(id);
    if (entry === undefined) {
      const nearest = nearestCheckIds(id, [...catalog.keys()]);
      throw usage(`unknown check id ${JSON.stringify(id)}: not in specs/checks.json; nearest: ${nearest.join(', ')}`);
    }
    process.stdout.write(`${renderExplanation(explain(entry, protocolCommit())).join('\n')}\n`);
  },
};
