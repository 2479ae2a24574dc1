/**
 * Applies a scenario's mutation (specs/schemas/scenario.schema.json $defs/operation) to the response
 * the server would otherwise send. Operations are data; this is their one interpreter.
 */
import { OacError } from '../errors.js';
import { applyJsonPatch, type PatchOperation } from './json-patch.js';
import { bodyText, removeHeader, setBody, setHeader, type OutgoingResponse } from './response.js';
import type { ExecAction, MutationOp, MutationTarget, Scenario } from './types.js';

/** Values substituted for `{{name}}` in header values, bodies and locations. */
export type TemplateValues = Record<string, string>;

function fillTemplate(text: string, values: TemplateValues): string {
  return text.replace(/\{\{([A-Za-z]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new OacError('scenario/unknown-template', `unknown template variable ${whole} (known: ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')})`);
    return value;
  });
}

/** Ops that change the listener or clock, applied when the server starts rather than per response. */
const SERVER_OPS = new Set(['set-tls', 'set-clock']);

/**
 * The responses each action's flow produces: the targets a per-response operation can change. Anything
 * else would never match a response, and the scenario would silently test the unmutated flow.
 * `proxy` is the Basic-auth reverse proxy in front of the API (served as `api`, see appliesTo).
 */
const FLOW_STEPS: Readonly<Record<ExecAction, readonly MutationTarget[]>> = {
  'registry-manifest': ['challenge', 'token', 'resource'],
  'cloud-tags': ['api'],
  'cloud-whoami': ['api'],
  'apikey-tags': ['api'],
  'basic-tags': ['api', 'proxy'],
};

export interface TargetProblem {
  /** Index of the operation in `mutation`. */
  index: number;
  message: string;
}

/** Operations of a scenario whose target matches no step of its flow (a typo'd target is otherwise a silent no-op). */
export function mutationTargetProblems(scenario: Pick<Scenario, 'action' | 'mutation'>): TargetProblem[] {
  const steps = FLOW_STEPS[scenario.action];
  const problems: TargetProblem[] = [];
  scenario.mutation.forEach((op, index) => {
    if (SERVER_OPS.has(op.op)) {
      if (op.target !== 'server') problems.push({ index, message: `${op.op} changes the listener, so its target must be "server", not ${JSON.stringify(op.target)}: the operation would never apply` });
      return;
    }
    if (op.target === undefined || !steps.includes(op.target)) {
      problems.push({ index, message: `target ${JSON.stringify(op.target)} matches no step of the ${scenario.action} flow (its responses: ${steps.join(', ')}): the operation would never apply` });
    }
  });
  return problems;
}

export function appliesTo(op: MutationOp, target: MutationTarget, occurrence: number): boolean {
  // A Basic-auth reverse proxy fronts the same /api/* responses: `proxy` and `api` name one target here.
  const opTarget = op.target === 'proxy' ? 'api' : op.target;
  if (SERVER_OPS.has(op.op) || opTarget !== target) return false;
  const wanted = op.occurrence ?? 'all';
  return wanted === 'all' || wanted === occurrence;
}

/** Fills templates in every string inside a JSON value (`{"access_token": "{{token}}"}`). */
function fillJsonTemplates(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return fillTemplate(value, values);
  if (Array.isArray(value)) return value.map((v) => fillJsonTemplates(v, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJsonTemplates(v, values)]));
  }
  return value;
}

/**
 * How long a `delay` operation holds the response, from `now` (ms since the epoch) and the delay the
 * response already carries. `{"ms": N}` is a fixed wait. `{"until": "next-second", "marginMs": M}` waits
 * until the next whole second after the response would otherwise leave, plus M ms: a client signs its
 * request before this answer, so its next request is signed in a later second whatever the scheduling,
 * and the run waits 0.5 s on average instead of a fixed 1.1 s (direct/fresh-ts).
 */
export function delayOf(op: MutationOp, alreadyDelayedMs: number, now: number): number {
  if (op['until'] === undefined) {
    const ms = op['ms'];
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) throw new OacError('scenario/bad-operation', `delay needs a whole number "ms" ≥ 0 or "until": "next-second", got ms ${JSON.stringify(ms)}`);
    return ms;
  }
  if (op['until'] !== 'next-second') throw new OacError('scenario/bad-operation', `delay "until" must be "next-second", got ${JSON.stringify(op['until'])}`);
  const margin = op['marginMs'] ?? 0;
  if (typeof margin !== 'number' || !Number.isInteger(margin) || margin < 0) throw new OacError('scenario/bad-operation', `delay "marginMs" must be a whole number ≥ 0, got ${JSON.stringify(margin)}`);
  const leaving = now + alreadyDelayedMs;
  const nextSecond = (Math.floor(leaving / 1000) + 1) * 1000;
  return nextSecond + margin - leaving;
}

/**
 * Mutates `res` in place with one operation. `now` is the clock a `delay` until the next second reads
 * (a parameter so that tests can fix it).
 */
export function applyOperation(res: OutgoingResponse, op: MutationOp, values: TemplateValues, now: () => number = Date.now): void {
  const str = (field: string): string => {
    const v = op[field];
    if (typeof v !== 'string') throw new OacError('scenario/bad-operation', `${op.op} needs a string "${field}"`);
    return v;
  };
  switch (op.op) {
    case 'replace-header':
      setHeader(res, str('name'), fillTemplate(str('value'), values));
      return;
    case 'add-header':
      res.headers.push([str('name'), fillTemplate(str('value'), values)]);
      return;
    case 'remove-header':
      removeHeader(res, str('name'));
      return;
    case 'set-status':
      res.status = op['status'] as number;
      return;
    case 'set-body': {
      const text = op['json'] !== undefined ? JSON.stringify(fillJsonTemplates(op['json'], values)) : typeof op['body'] === 'string' ? fillTemplate(op['body'], values) : undefined;
      setBody(res, text === '' ? undefined : text);
      const contentType = typeof op['contentType'] === 'string' ? op['contentType'] : op['json'] !== undefined ? 'application/json; charset=utf-8' : undefined;
      if (contentType !== undefined) setHeader(res, 'Content-Type', contentType);
      if (text === undefined || text === '') removeHeader(res, 'Content-Type');
      return;
    }
    case 'patch-json': {
      const text = bodyText(res);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new OacError('scenario/bad-operation', `patch-json on a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`, { cause: err });
      }
      setBody(res, JSON.stringify(applyJsonPatch(json, fillJsonTemplates(op['patch'], values) as PatchOperation[])));
      return;
    }
    case 'redirect':
      res.status = op['status'] as number;
      setHeader(res, 'Location', fillTemplate(str('location'), values));
      removeHeader(res, 'Content-Type');
      setBody(res, undefined);
      return;
    case 'delay':
      res.delayMs += delayOf(op, res.delayMs, now());
      return;
    case 'drop-connection':
      res.drop = true;
      return;
    default:
      throw new OacError('scenario/bad-operation', `operation ${op.op} is not a per-response operation`);
  }
}
