/**
 * What a redacted value looks like, everywhere the harness writes one. Three forms, by how much a reader
 * needs to know (all keep the scheme word, none keeps a byte of the secret):
 *
 * - `<redacted>` (REDACTED): free text, configuration, probe reports. The value is gone, not even its length.
 * - `<N chars>` (lengthShape): request logs (emulator events, conformance observations, local-ollama's
 *   log). The length tells "sent something of the right size" from "sent something else".
 * - Named parts (`<pubkey>:<signature>`, `Bearer <token: 40 chars>`): the reference client's exchange log,
 *   where the reader wants to know which credential went out at which step.
 *
 * Cassettes use their own typed placeholders (`<token:opaque 370 chars #1>`, src/recorder/placeholders.ts):
 * that is a file format with a grammar, not a display form, and it stays there.
 */

export const REDACTED = '<redacted>';

/** `<N chars>`: a value reduced to its length. */
export function lengthShape(value: string): string {
  return `<${value.length} chars>`;
}
