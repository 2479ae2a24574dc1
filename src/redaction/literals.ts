/**
 * Secrets the run knows by value (an API key it generated, a Basic password, a learned token): replaced
 * wherever they occur, in the forms a URL or a form body gives them, longest first so a secret that
 * contains another is removed whole.
 */

/** The value and how a URL query or a form body carries it (`%2B`, `+` for a space). */
function encodedForms(value: string): string[] {
  const uri = encodeURIComponent(value);
  return [...new Set([value, uri, uri.replace(/%20/g, '+')])];
}

export class LiteralSecrets {
  /** text → its replacement (the first replacement given for a text wins). */
  private readonly replacements = new Map<string, string>();

  /** Registers `secret` (and its encoded forms) unless it is empty or already known. */
  add(secret: string, replacement: string): void {
    if (secret === '' || this.replacements.has(secret)) return;
    for (const form of encodedForms(secret)) if (!this.replacements.has(form)) this.replacements.set(form, replacement);
  }

  has(secret: string): boolean {
    return this.replacements.has(secret);
  }

  /** `text` with every known secret replaced, longest first (ties in code-unit order, so output is stable). */
  redact(text: string): string {
    let out = text;
    const ordered = [...this.replacements.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    for (const secret of ordered) {
      if (out.includes(secret)) out = out.split(secret).join(this.replacements.get(secret)!);
    }
    return out;
  }
}

/** `text` with each of `secrets` (at least `minLength` characters, so short words are not mangled) replaced. */
export function replaceLiterals(text: string, secrets: readonly string[], replacement: (secret: string) => string, minLength = 4): string {
  const book = new LiteralSecrets();
  for (const secret of secrets) if (secret.length >= minLength) book.add(secret, replacement(secret));
  return book.redact(text);
}
