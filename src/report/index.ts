/**
 * Renderers of an `oac check` or `oac probe` run (results.json, junit.xml, the terminal, report.html, the
 * Markdown summary), all pure; and the few readers they need (a saved results.json, the spec digest, the
 * provenance of the cassettes served).
 */
export {
  TOOL_NAME, HARNESS_ERROR_CHECK, reportVerdicts, failsRun, summarize, type RunReport, type ReportCassette, type Summary,
} from './model.js';
export { redactText } from '../redaction/index.js';
export { toResultsJson, renderResultsJson } from './results-json.js';
export { toJunitXml } from './junit.js';
export { renderTerminal, shouldColor, printable } from './terminal.js';
export { installedSpecDigest } from './spec-digest.js';
export { toHtmlReport } from './html.js';
export { mdText, mdCode, mdFence, mdTable } from './github-markdown.js';
