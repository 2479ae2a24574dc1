/**
 * The layer order of src/ (README, "Layout"): a module may import from its own folder and from layers
 * below its own, never from a layer above or from a sibling of the same layer. `npm test` runs this
 * (npm run lint:layers); test/repository/layers.test.ts shows it failing on a planted upward import.
 *
 * Lowest first. Same-line folders are siblings: independent of each other.
 */
const LAYERS = [
  ['errors.ts', 'check-ids.ts'],
  ['exit-hooks.ts'],
  ['child-process.ts'],
  ['workspace.ts'],
  ['redaction'],
  ['protocol'],
  ['keys'],
  ['specs'],
  ['rules'],
  ['reference', 'emulator', 'local-ollama'],
  ['intercept'],
  ['recorder'],
  ['conformance', 'probe'],
  ['report'],
  ['evidence', 'lint'],
  ['cli'],
];

const escape = (s) => s.replace(/[.]/g, '\\.');
const pathOf = (name) => (name.endsWith('.ts') ? `^src/${escape(name)}$` : `^src/${escape(name)}/`);

const forbidden = [
  {
    name: 'no-cycle',
    severity: 'error',
    comment: 'A cycle between modules: one of them belongs lower, or a shared piece must move down.',
    from: { path: '^src/' },
    to: { circular: true },
  },
];
LAYERS.forEach((layer, i) => {
  for (const name of layer) {
    const above = LAYERS.slice(i + 1).flat();
    const siblings = layer.filter((other) => other !== name);
    const targets = [...above, ...siblings];
    if (targets.length === 0) continue;
    forbidden.push({
      name: `layer-${name.replace(/\.ts$/, '')}`,
      severity: 'error',
      comment: `src/${name} is in layer ${i} (${layer.join(', ')}): it may not import from a layer above it or from a sibling (${targets.join(', ')}).`,
      from: { path: pathOf(name) },
      to: { path: targets.map(pathOf).join('|') },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
