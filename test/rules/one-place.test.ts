/**
 * One place for each rule (issue 10): every check id of specs/checks.json is written, as a quoted
 * literal, in exactly one TypeScript module of src/, and that module is under src/rules/. Other code
 * names a check through the constant that module exports, so a rule cannot be decided twice.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = 'src';
/** The generated list of every id (the type CheckId): it names them all by design. */
const ID_LIST = 'src/check-ids.ts';
/**
 * A quoted id that is not a check decision. The reference client throws AuthError code 'registry/not-found'
 * (its own error code, shown to users), which happens to spell the check id; src/reference is not the
 * rules' to change. Any other entry here needs the same kind of reason.
 */
const NOT_A_DECISION = new Map<string, string>([['src/reference/registry.ts', 'registry/not-found']]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative('.', path)] : [];
  });
}

const catalogue = (JSON.parse(readFileSync('specs/checks.json', 'utf8')) as { checks: { id: string }[] }).checks.map((c) => c.id);
const sources = sourceFiles(SRC).filter((f) => f !== ID_LIST).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/** The files that write `id` as a whole quoted literal ('…', "…" or `…`). */
function filesQuoting(id: string): string[] {
  const quoted = new RegExp(`['"\`]${id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"\`]`);
  return sources.filter(({ file, text }) => quoted.test(text) && NOT_A_DECISION.get(file) !== id).map(({ file }) => file);
}

describe('every check is decided in one rule module', () => {
  test('the catalogue is read (not an empty pass)', () => {
    expect(catalogue.length).toBeGreaterThan(50);
  });

  test.each(catalogue)('%s is written in exactly one module, under src/rules/', (id) => {
    const files = filesQuoting(id);
    expect({ id, files }).toEqual({ id, files: [expect.stringMatching(/^src\/rules\//)] });
  });

  test('the check sees a second module writing an id, and one outside src/rules/', () => {
    const saved = sources.length;
    sources.push({ file: 'src/conformance/planted.ts', text: "const id = 'direct/signature';" });
    try {
      expect(filesQuoting('direct/signature')).toEqual(['src/rules/client/direct.ts', 'src/conformance/planted.ts']);
    } finally {
      sources.length = saved;
    }
  });
});
