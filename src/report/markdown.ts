/**
 * A Markdown summary of a run, for a pull-request comment: the verdict, the counts, a table of the
 * failing checks (Expected / Actual), and the commands that reproduce them. Text from the run is
 * attacker-controlled (client output, URLs): it is written with github-markdown.ts, so a comment cannot
 * grow a link, an image or markup the client chose.
 */
import { redactText } from '../redaction/index.js';
import { mdFence, mdTable, mdText } from './github-markdown.js';
import { reportVerdicts, scenarioVerdict, type ReportVerdict, type RunReport } from './model.js';
import { overview, verdictSentence } from './overview.js';

function failingVerdicts(run: RunReport): { scenario: string; v: ReportVerdict; reproduce: string }[] {
  const out: { scenario: string; v: ReportVerdict; reproduce: string }[] = [];
  const o = overview(run);
  for (const group of ['fail', 'error', 'non-strict'] as const) {
    for (const s of o.groups[group]) {
      for (const v of reportVerdicts(s)) {
        if ((v.verdict === 'fail' || v.verdict === 'error' || v.verdict === 'non-strict') && !v.expectedFailure) out.push({ scenario: s.id, v, reproduce: s.reproduce });
      }
    }
  }
  return out;
}

/** The summary as Markdown (ends with a newline). */
export function renderMarkdownSummary(run: RunReport): string {
  const scrub = (s: string): string => redactText(s, run.secrets ?? []);
  const o = overview(run);
  const { ok, text } = verdictSentence(o);
  const s = o.summary;
  const subject = run.client.command ?? run.client.url ?? run.client.name ?? run.client.mode;
  const lines = [
    `## ${ok ? '✅ OK' : '❌ FAILED'}: ${mdText(scrub(text))}`,
    '',
    `${run.client.mode === 'server' ? 'Target' : 'Client'}: ${mdText(scrub(subject))}  `,
    `Harness: ${mdText(`${run.tool.name} ${run.tool.version}`)}${run.tool.specDigest ? ` · spec digest ${mdText(run.tool.specDigest)}` : ''}${run.strict ? ' · strict' : ''}`,
    '',
    mdTable(['scenarios', 'checks', 'pass', 'fail', 'non-strict', 'skip', 'error'], [[s.scenarios, s.total, s.pass, s.fail, s['non-strict'], s.skip, s.error].map(String)], 'right'),
  ];
  const failing = failingVerdicts(run);
  if (failing.length > 0) {
    lines.push('', '### Failing checks', '');
    lines.push(mdTable(['verdict', 'scenario', 'check', 'level', 'what happened', 'expected', 'actual'], failing.map(({ scenario, v }) => {
      const cells = [v.verdict.toUpperCase(), scenario, v.check, v.level, scrub(v.message), scrub(v.expected ?? ''), scrub(v.actual ?? '')];
      return cells.map(mdText);
    })));
    const commands = [...new Set(failing.map((f) => f.reproduce).filter((r) => r !== ''))].map(scrub);
    if (commands.length > 0) lines.push('', '### Reproduce', '', mdFence(commands, 'sh'));
  }
  const known = run.scenarios.filter((sc) => scenarioVerdict(sc) !== 'pass' && reportVerdicts(sc).some((v) => v.expectedFailure && v.verdict !== 'pass'));
  if (known.length > 0) lines.push('', `${known.length} scenario${known.length === 1 ? '' : 's'} with known failures from the baseline (not counted against the run).`);
  if (o.skipped.length > 0) {
    lines.push('', '### Skipped', '');
    for (const g of o.skipped) lines.push(`- ${mdText(scrub(g.reason))}, ${g.scenarios.length} scenario${g.scenarios.length === 1 ? '' : 's'}`);
  }
  return `${lines.join('\n')}\n`;
}
