/** HTML (and inline SVG) text escaping, shared by report.html and its sequence diagrams. */
import { printable } from './terminal.js';

/** Control characters made visible (`\xNN`), then the five characters markup gives a meaning to. */
export function escapeText(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
