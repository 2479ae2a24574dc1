/**
 * Command-line options of the bench scripts: node's util.parseArgs (strict: an unknown option, a stray
 * argument or a missing value is refused), then the numbers checked positive. Any problem is one line on
 * stderr, `<script>: <what is wrong>`, and exit code 2.
 *
 *   spec: { name: { type: 'string' | 'boolean' | 'integer' | 'number', default?, required?: 'why' } }
 */
import { parseArgs } from 'node:util';

export function usageExit(script, message) {
  process.stderr.write(`${script}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  process.exit(2);
}

export function benchArgs(script, argv, spec) {
  const options = Object.fromEntries(Object.entries(spec).map(([name, o]) => [name, { type: o.type === 'boolean' ? 'boolean' : 'string' }]));
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    usageExit(script, err instanceof Error ? err.message : String(err));
  }
  const out = {};
  for (const [name, o] of Object.entries(spec)) {
    const raw = values[name];
    if (raw === undefined) {
      if (o.required !== undefined) usageExit(script, `--${name} is required: ${o.required}`);
      out[name] = o.default;
    } else if (o.type === 'integer' || o.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0 || (o.type === 'integer' && !Number.isSafeInteger(n))) usageExit(script, `--${name} must be a positive ${o.type === 'integer' ? 'whole number' : 'number'}, got ${raw}`);
      out[name] = n;
    } else {
      out[name] = raw;
    }
  }
  return out;
}
