/**
 * RFC 6902 JSON Patch, for scenario mutations of recorded JSON bodies. Small enough to own (about 60
 * lines) and every failure names the operation and pointer, which a scenario author needs.
 */
import { OacError } from '../errors.js';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

function patchError(op: PatchOperation, message: string): OacError {
  return new OacError('scenario/bad-patch', `JSON patch ${op.op} ${op.path}: ${message}`);
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, pointer: string, op: PatchOperation): { parent: Container; key: string } {
  const path = tokens(pointer);
  const key = path.pop();
  if (key === undefined) throw patchError(op, 'the root cannot be the target of this operation');
  let node: unknown = doc;
  for (const t of path) {
    if (node === null || typeof node !== 'object') throw patchError(op, `"${t}" is not inside an object or array`);
    node = (node as Record<string, unknown>)[t];
  }
  if (node === null || typeof node !== 'object') throw patchError(op, 'the parent does not exist');
  return { parent: node as Container, key };
}

function get(doc: unknown, pointer: string, op: PatchOperation): unknown {
  let node = doc;
  for (const t of tokens(pointer)) {
    if (node === null || typeof node !== 'object' || !(t in (node as object))) throw patchError(op, `nothing at ${pointer}`);
    node = (node as Record<string, unknown>)[t];
  }
  return node;
}

function remove(doc: unknown, pointer: string, op: PatchOperation): unknown {
  const { parent, key } = parentOf(doc, pointer, op);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw patchError(op, `no array index ${key}`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw patchError(op, `no member "${key}"`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(doc: unknown, pointer: string, value: unknown, op: PatchOperation): unknown {
  if (pointer === '') return value;
  const { parent, key } = parentOf(doc, pointer, op);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw patchError(op, `no array index ${key}`);
    parent.splice(i, 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

/** Applies the patch to a deep copy; the input is never changed. */
export function applyJsonPatch(document: unknown, patch: PatchOperation[]): unknown {
  let doc: unknown = structuredClone(document);
  for (const op of patch) {
    const value = op.value === undefined ? undefined : structuredClone(op.value);
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, value, op);
        break;
      case 'remove':
        remove(doc, op.path, op);
        break;
      case 'replace':
        get(doc, op.path, op);
        if (op.path === '') doc = value;
        else {
          remove(doc, op.path, op);
          doc = add(doc, op.path, value, op);
        }
        break;
      case 'move':
      case 'copy': {
        if (op.from === undefined) throw patchError(op, '"from" is required');
        const moved = op.op === 'move' ? remove(doc, op.from, op) : structuredClone(get(doc, op.from, op));
        doc = add(doc, op.path, moved, op);
        break;
      }
      case 'test':
        if (JSON.stringify(get(doc, op.path, op)) !== JSON.stringify(value)) throw patchError(op, `test failed: ${JSON.stringify(value)} expected`);
        break;
    }
  }
  return doc;
}
