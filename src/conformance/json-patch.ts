/**
 * RFC 6902 JSON Patch for the scenarios' `patch-json` mutation of recorded JSON bodies, applied by
 * fast-json-patch (pinned). Ours is only the error a scenario author reads: which operation, at which
 * pointer, and why, with the scenario error code the rest of the harness uses.
 */
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { OacError } from '../errors.js';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** Applies the patch to a deep copy; the input is never changed. Every operation is validated first. */
export function applyJsonPatch(document: unknown, patch: PatchOperation[]): unknown {
  try {
    // fast-json-patch is CommonJS: under Node's ESM its functions are on the default export.
    return jsonPatch.applyPatch(document, patch as Operation[], true, false).newDocument;
  } catch (err) {
    if (!(err instanceof jsonPatch.JsonPatchError)) throw err;
    const op = patch[err.index ?? 0];
    const where = op ? `${op.op} ${op.path}` : `operation ${err.index}`;
    throw new OacError('scenario/bad-patch', `JSON patch ${where}: ${err.message.split('\n')[0]} (${err.name})`, { cause: err });
  }
}
