/**
 * GitHub-flavoured Markdown, written safely: the one set of escaping rules behind both pull-request
 * comments (`oac report --format md` and evidence.md). Every piece of data (a client's message, a URL it
 * printed, a scenario title, a command) is attacker-controlled, so it must not open a tag, grow a link or an
 * image, break a table row, or end a code span early. Never raw HTML.
 *
 * Rules (GFM spec 0.29):
 * - text: one line (line breaks and control characters become spaces, a lone surrogate U+FFFD so the file
 *   is valid UTF-8); a backslash before each ASCII punctuation character that can start markup inside a
 *   line, `.` and `:` included so GitHub does not turn a URL or an e-mail address into a link; `&` and `<`
 *   as the entities `&amp;` and `&lt;`, so no `<tag` appears at all, nor an entity the data did not mean.
 * - code spans: content is literal, so it cannot be backslash-escaped. The fence is one backtick longer than
 *   the longest run inside. A value that holds `<` is shown as text instead (a code span would show `&lt;`
 *   verbatim). Inside a table cell, `|` is written `\|` even in a code span (GFM splits cells first).
 * - fenced blocks: fenced by more backticks than any run inside; the content is shown verbatim, never
 *   interpreted, so a shell command in it stays pasteable.
 */

/** Line breaks and control characters (C0, DEL, C1): one space each, so a cell stays on one line. */
function oneLine(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    // A lone surrogate cannot be written as UTF-8: made U+FFFD here, so a file holds what its checksum covers.
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Plain text with no markup of its own, on one line. */
export function mdText(text: string): string {
  return oneLine(text).replace(/[\\`*_{}[\]()#!|~>&<.:]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : `\\${c}`));
}

/** A code span (text when the value holds `<`, see above); `inTable` escapes `|`. */
export function mdCode(value: string, inTable = false): string {
  const text = oneLine(value);
  if (text.includes('<') || text.trim() === '') return mdText(text);
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // A space on each side when the content starts or ends with a backtick (GFM strips one of each).
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  const body = inTable ? text.replace(/\|/g, '\\|') : text;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced code block whose fence no line of `lines` can close; each line is kept on one line. */
export function mdFence(lines: readonly string[], info = ''): string {
  const body = lines.map(oneLine).join('\n');
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/**
 * A table of cells that are already Markdown (escape them with mdText/mdCode first). `align: 'right'`
 * right-aligns every column (for counts).
 */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[], align: 'left' | 'right' = 'left'): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const separator = `|${header.map(() => (align === 'right' ? '---:' : '---')).join('|')}|`;
  return [line(header), separator, ...rows.map(line)].join('\n');
}
