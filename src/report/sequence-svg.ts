/**
 * A sequence diagram of one scenario's exchange as inline SVG (no library, no external asset): the lanes
 * are the client, the server it was pointed at, the realm (the token endpoint) and the other host (the
 * second listener that catches credentials sent elsewhere). Each request is an arrow labelled with its
 * redacted request line, each answer a dashed arrow back with the status; the steps that are evidence
 * for a failing check are drawn in red, with the check ids on the answer.
 *
 * Every text is escaped (it comes from the client: URLs, reasons); nothing in the SVG refers outside it
 * (arrowheads are polygons, not markers, so no id can clash between diagrams on one page).
 */
import type { Observation } from '../conformance/types.js';
import { escapeText } from './escape.js';

type Lane = 'client' | 'server' | 'realm' | 'other';

const LANE_TITLE: Record<Lane, string> = { client: 'client', server: 'server', realm: 'realm (token endpoint)', other: 'other host' };

function laneOf(o: Pick<Observation, 'listener' | 'role'>): Exclude<Lane, 'client'> {
  if (o.listener === 'other') return 'other';
  return o.role === 'token' ? 'realm' : 'server';
}

export interface SequenceOptions {
  /** Indices of the observations to highlight, with the failing check ids to name on each. */
  failing: ReadonlyMap<number, readonly string[]>;
  /** Redacts a text before it is drawn. */
  scrub: (text: string) => string;
  /** Accessible name of the diagram. */
  label: string;
}

const LANE_GAP = 210;
const LEFT = 70;
const RIGHT_MARGIN = 150;
const HEAD_HEIGHT = 44;
const STEP_HEIGHT = 66;
/** Width of one character of the 11px monospace labels, to cut a label before it leaves the picture. */
const CHAR_WIDTH = 6.7;

function cut(text: string, room: number): string {
  const max = Math.max(8, Math.floor(room / CHAR_WIDTH));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function authShape(o: Observation): string | undefined {
  const auth = o.headers['authorization'];
  if (auth === undefined) return undefined;
  return `Authorization: ${Array.isArray(auth) ? auth.join(' | ') : auth}`;
}

function answerText(o: Observation): string {
  if (o.status === 0) return 'connection dropped';
  return o.reason === undefined ? String(o.status) : `${o.status} · ${o.reason.replace(/\s*\n\s*/g, ' ')}`;
}

function arrow(x1: number, x2: number, y: number, dashed: boolean): string {
  const dir = x2 > x1 ? 1 : -1;
  const tip = x2 - dir * 1;
  const head = `${tip},${y} ${tip - dir * 9},${y - 4} ${tip - dir * 9},${y + 4}`;
  return `<line x1="${x1}" y1="${y}" x2="${tip - dir * 8}" y2="${y}"${dashed ? ' stroke-dasharray="5 4"' : ''}/><polygon points="${head}"/>`;
}

function textAt(x: number, y: number, text: string, cls: string, full?: string): string {
  const title = full !== undefined && full !== text ? `<title>${escapeText(full)}</title>` : '';
  return `<text x="${x}" y="${y}" class="${cls}">${title}${escapeText(text)}</text>`;
}

/** The diagram, or an empty string when the scenario has no observation to draw. */
export function sequenceSvg(observations: readonly Observation[], opts: SequenceOptions): string {
  if (observations.length === 0) return '';
  const used = new Set(observations.map(laneOf));
  const lanes: Lane[] = ['client', 'server', ...(['realm', 'other'] as const).filter((l) => used.has(l))];
  const x = new Map(lanes.map((lane, i) => [lane, LEFT + i * LANE_GAP]));
  const width = LEFT + (lanes.length - 1) * LANE_GAP + RIGHT_MARGIN;
  const height = HEAD_HEIGHT + observations.length * STEP_HEIGHT + 14;
  const parts: string[] = [];
  for (const lane of lanes) {
    const lx = x.get(lane)!;
    parts.push(`<line class="life" x1="${lx}" y1="${HEAD_HEIGHT - 12}" x2="${lx}" y2="${height - 4}"/>`);
    parts.push(`<rect class="head" x="${lx - 62}" y="6" width="124" height="24" rx="4"/>`, textAt(lx, 22, LANE_TITLE[lane], 'head-text'));
  }
  observations.forEach((o, i) => {
    const top = HEAD_HEIGHT + i * STEP_HEIGHT;
    const client = x.get('client')!;
    const target = x.get(laneOf(o))!;
    const failing = opts.failing.get(i);
    const room = width - client - 12;
    const request = opts.scrub(`#${o.seq} ${o.method} ${o.url}`);
    const auth = authShape(o);
    const answer = opts.scrub(answerText(o));
    const checks = failing !== undefined && failing.length > 0 ? ` ✗ ${failing.join(', ')}` : '';
    const step: string[] = [];
    if (failing !== undefined) step.push(`<rect class="bad-bg" x="4" y="${top - 2}" width="${width - 8}" height="${STEP_HEIGHT - 4}" rx="4"/>`);
    step.push(textAt(client + 6, top + 11, cut(request, room), 'req', request));
    step.push(`<g class="arrow">${arrow(client, target, top + 17, false)}</g>`);
    if (auth !== undefined) step.push(textAt(client + 6, top + 30, cut(opts.scrub(auth), room), 'auth', opts.scrub(auth)));
    const answerLine = `${answer}${checks}`;
    step.push(textAt(client + 6, top + 45, cut(answerLine, room), 'res', answerLine));
    step.push(`<g class="arrow">${arrow(target, client, top + 51, true)}</g>`);
    parts.push(`<g class="step${failing !== undefined ? ' bad' : ''}" data-step="${i}">${step.join('')}</g>`);
  });
  return `<svg class="seq" role="img" aria-label="${escapeText(opts.label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join('')}</svg>`;
}
