/**
 * Error types a user of the harness can act on. Every error carries a stable `code` so that tests,
 * reports and other languages can match on it instead of on prose, and a message that says what was
 * expected and what was seen.
 */

/** Base class: a failure with a machine-readable code. */
export class OacError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input that does not follow the protocol (a header, URL, token response, Authorization value). */
export class ProtocolError extends OacError {}

/**
 * The server refused to authenticate, or answered in a way a correct client must treat as failure.
 * `status` and `body` are what the server sent; `signinUrl` is Ollama's `signin_url` when present.
 */
export class AuthError extends OacError {
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly signinUrl: string | undefined;
  constructor(
    code: string,
    message: string,
    details: { status?: number; body?: string; signinUrl?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.status = details.status;
    this.body = details.body;
    this.signinUrl = details.signinUrl;
  }
}

/** The harness or its environment broke (never the fault of the client under test). */
export class HarnessError extends OacError {}
