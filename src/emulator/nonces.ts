/**
 * Nonces seen on token requests. A nonce is remembered for twice the ts window: any request that could
 * still pass the ts check with that nonce is then caught as a replay, and memory stays bounded by the
 * request rate.
 */
export class NonceLedger {
  /** nonce → unix second after which it may be forgotten; insertion order ≈ expiry order. */
  private readonly seen = new Map<string, number>();

  has(nonce: string, nowSeconds: number): boolean {
    this.prune(nowSeconds);
    return this.seen.has(nonce);
  }

  remember(nonce: string, nowSeconds: number, windowSeconds: number): void {
    this.seen.set(nonce, nowSeconds + 2 * windowSeconds);
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(nowSeconds: number): void {
    for (const [nonce, forgetAfter] of this.seen) {
      if (forgetAfter >= nowSeconds) break;
      this.seen.delete(nonce);
    }
  }
}
