/**
 * Just enough YAML to read action.yml without a YAML dependency (the project declares none): block maps,
 * block sequences of maps, `|` block scalars, plain and quoted scalars, comments. Anything outside that
 * subset is an error, so the test fails instead of reading a structure that is not there.
 */
export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  no: number;
}

function scalar(raw: string, no: number): string {
  const text = raw.trim();
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new Error(`line ${no}: unterminated single-quoted scalar`);
    return text.slice(1, -1).split("''").join("'");
  }
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new Error(`line ${no}: unterminated double-quoted scalar`);
    return JSON.parse(text) as string;
  }
  const comment = text.indexOf(' #');
  return comment === -1 ? text : text.slice(0, comment).trimEnd();
}

/** `key: rest` → [key, rest]; undefined when the line is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const after = text.slice(colon + 1);
  if (after !== '' && !after.startsWith(' ')) return undefined;
  return [text.slice(0, colon), after.trim()];
}

export function parseMiniYaml(source: string): YamlValue {
  const all = source.split('\n').map((raw, i) => ({ raw, no: i + 1 }));
  const lines: (Line & { raw: string })[] = [];
  for (const { raw, no } of all) {
    if (raw.includes('\t')) throw new Error(`line ${no}: a tab (YAML indents with spaces)`);
    const text = raw.trimStart();
    lines.push({ indent: raw.length - text.length, text, no, raw });
  }
  let i = 0;
  const skipBlank = (): void => {
    while (i < lines.length && (lines[i]!.text === '' || lines[i]!.text.startsWith('#'))) i++;
  };

  const blockScalar = (parentIndent: number): string => {
    const body: string[] = [];
    let indent = -1;
    while (i < lines.length) {
      const line = lines[i]!;
      if (line.text === '') {
        body.push('');
        i++;
        continue;
      }
      if (line.indent <= parentIndent) break;
      if (indent === -1) indent = line.indent;
      if (line.indent < indent) throw new Error(`line ${line.no}: block scalar less indented than its first line`);
      body.push(line.raw.slice(indent));
      i++;
    }
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    return `${body.join('\n')}\n`;
  };

  const value = (rest: string, indent: number, no: number): YamlValue => {
    if (rest === '|') return blockScalar(indent);
    if (rest !== '') return scalar(rest, no);
    skipBlank();
    if (i >= lines.length || lines[i]!.indent <= indent) {
      if (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) return sequence(indent);
      return '';
    }
    return lines[i]!.text.startsWith('- ') ? sequence(lines[i]!.indent) : mapping(lines[i]!.indent);
  };

  const mapping = (indent: number, first?: string): { [key: string]: YamlValue } => {
    const out: { [key: string]: YamlValue } = {};
    const entry = (text: string, no: number): void => {
      const kv = splitKey(text);
      if (!kv) throw new Error(`line ${no}: expected "key: value", got ${JSON.stringify(text)}`);
      if (Object.hasOwn(out, kv[0])) throw new Error(`line ${no}: duplicate key ${kv[0]}`);
      out[kv[0]] = value(kv[1], indent, no);
    };
    if (first !== undefined) entry(first, lines[i - 1]!.no);
    for (;;) {
      skipBlank();
      if (i >= lines.length || lines[i]!.indent < indent) return out;
      const line = lines[i]!;
      if (line.indent > indent) throw new Error(`line ${line.no}: unexpected indentation`);
      if (line.text.startsWith('- ')) return out;
      i++;
      entry(line.text, line.no);
    }
  };

  const sequence = (indent: number): YamlValue[] => {
    const out: YamlValue[] = [];
    for (;;) {
      skipBlank();
      if (i >= lines.length || lines[i]!.indent !== indent || !lines[i]!.text.startsWith('- ')) return out;
      const line = lines[i]!;
      i++;
      const rest = line.text.slice(2);
      out.push(splitKey(rest) ? mapping(indent + 2, rest) : scalar(rest, line.no));
    }
  };

  skipBlank();
  const doc = mapping(0);
  skipBlank();
  if (i < lines.length) throw new Error(`line ${lines[i]!.no}: not part of the document (indentation?)`);
  return doc;
}
