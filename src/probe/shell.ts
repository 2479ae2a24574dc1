/** Quoting for the shell command lines the probe prints (curl reproduce lines). */

/** POSIX single quotes; bash's $'…' when the text holds a tab or another control character. */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    // eslint-disable-next-line no-control-regex
    return `$'${text.replace(/[\\']/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}'`;
  }
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
