/**
 * The published test seed of the golden vectors (shared/vectors/ollama-auth-vectors.json, docs/protocol.md §9):
 * bytes 0x01, 0x02, …, 0x20. Its public key is 79b5562e…bad049664, field "AAAAC3NzaC1lZDI1NTE5AAAAIHm1Vi6P…".
 *
 * It is public, so anyone can sign as it: use it for tests and fixtures only, never for anything real
 * (never register its public key on ollama.com or any server).
 */
export const TEST_SEED: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
