/** Renderers of an `oac check` run: results.json, junit.xml, the terminal table, report.html. All pure. */
export {
  TOOL_NAME, HARNESS_ERROR_CHECK, reportVerdicts, scenarioVerdict, observedOutcome, describeExit, evidenceFor, failsRun, summarize,
  type RunReport, type ReportTool, type ReportClient, type ReportScenario, type UnexpectedPassEntry, type Summary, type ObservedOutcome,
} from './model.js';
export { redactConfig, redactText, isSecretName, REDACTED, type RedactedConfig } from './effective-config.js';
export { toResultsJson, renderResultsJson, RESULTS_VERSION, RESULTS_SCHEMA } from './results-json.js';
export { toJunitXml, junitCounts, escapeXmlText, escapeXmlAttr, stripInvalidXmlChars, type JunitCounts } from './junit.js';
export { renderTerminal, progressLine, summaryLine, shouldColor, printable, type TerminalOptions } from './terminal.js';
export { toHtmlReport, escapeHtml } from './html.js';
