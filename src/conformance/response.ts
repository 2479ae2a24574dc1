/**
 * A response the conformance server is about to send, in a form mutations can edit: headers as an
 * ordered list of field lines (so a scenario can send two WWW-Authenticate fields), body as bytes or
 * NDJSON chunks.
 *
 * Why not the emulator's Reply: a Reply is what a handler decides (one value per header name, the findings
 * and the X-Oac-Reason that led to it); this is the wire form after the cassette and the mutation, which
 * may repeat a header, drop the connection or delay the answer, and carries no findings (the rules stage
 * already took them). src/reference/responses.ts reads responses on the client side, a third view again.
 */
import type { Reply } from '../emulator/index.js';

export interface OutgoingResponse {
  status: number;
  headers: [string, string][];
  body: Buffer | undefined;
  chunks: string[] | undefined;
  /** Close the socket without answering. */
  drop: boolean;
  delayMs: number;
}

export function fromReply(reply: Reply): OutgoingResponse {
  return {
    status: reply.status,
    headers: Object.entries(reply.headers),
    body: reply.body === undefined ? undefined : Buffer.from(typeof reply.body === 'string' ? reply.body : reply.body),
    chunks: reply.chunks,
    drop: false,
    delayMs: 0,
  };
}

export function headerValues(res: OutgoingResponse, name: string): string[] {
  const lower = name.toLowerCase();
  return res.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export function removeHeader(res: OutgoingResponse, name: string): void {
  const lower = name.toLowerCase();
  res.headers = res.headers.filter(([n]) => n.toLowerCase() !== lower);
}

export function setHeader(res: OutgoingResponse, name: string, value: string): void {
  removeHeader(res, name);
  res.headers.push([name, value]);
}

/** The body as text, whether it is a single body or NDJSON chunks. */
export function bodyText(res: OutgoingResponse): string {
  if (res.chunks !== undefined) return res.chunks.join('');
  return res.body?.toString('utf8') ?? '';
}

export function setBody(res: OutgoingResponse, text: string | undefined): void {
  res.chunks = undefined;
  res.body = text === undefined ? undefined : Buffer.from(text, 'utf8');
}
