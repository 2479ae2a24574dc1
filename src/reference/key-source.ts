import type { OllamaKey } from '../keys/index.js';

/** A key, or a function that loads one (e.g. `() => loadOllamaKey()`), called only when a signature is needed. */
export type KeySource = OllamaKey | (() => OllamaKey);

/** Loading errors (KeyError: key/missing, key/empty, …) propagate unchanged, before anything signed is sent. */
export function resolveKey(source: KeySource): OllamaKey {
  return typeof source === 'function' ? source() : source;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
