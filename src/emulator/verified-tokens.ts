/**
 * Tokens this emulator issued, remembered so that a token is not verified twice (issue 12). A token echoes
 * the token request's own signature (src/emulator/token.ts): the token endpoint has just verified it, so
 * the retry that carries it need not run Ed25519 again. Only exact token strings issued here are
 * remembered; anything else (an altered token, one from another emulator) is verified as before, so the
 * answers and findings are the same with or without the memory.
 */
export class VerifiedTokens {
  /** Insertion order = age: the oldest entry is the first one forgotten. */
  private readonly tokens = new Set<string>();

  constructor(private readonly capacity = 1024) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`VerifiedTokens capacity must be a positive whole number, got ${capacity}`);
  }

  remember(token: string): void {
    this.tokens.delete(token);
    this.tokens.add(token);
    while (this.tokens.size > this.capacity) this.tokens.delete(this.tokens.values().next().value!);
  }

  has(token: string): boolean {
    return this.tokens.has(token);
  }

  get size(): number {
    return this.tokens.size;
  }
}
