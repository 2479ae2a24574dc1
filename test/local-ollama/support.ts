/**
 * A raw HTTP/1.1 client for the local Ollama tests: the request target goes on the wire byte for byte
 * (fetch and http.request normalise `//`, `/./`, `%2e`, lower-case methods...), and the answer comes back
 * with every header line as sent.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps every value in order. */
  headers: Record<string, string[]>;
  body: string;
}

export interface RawRequest {
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send no Host header (default: Host is the server's host:port). */
  omitHost?: boolean;
}

export function header(res: RawResponse, name: string): string | undefined {
  return res.headers[name.toLowerCase()]?.join(', ');
}

export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = { ...(req.omitHost ? {} : { Host: url.host }), Connection: 'close', ...req.headers };
  const framed = Object.keys(headers).some((h) => ['content-length', 'transfer-encoding'].includes(h.toLowerCase()));
  if (body.length > 0 && !framed) headers['Content-Length'] = String(body.length);
  const head = `${req.method} ${req.target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer to ${req.method} ${req.target} within 5 s`)), 5000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`incomplete answer to ${req.method} ${req.target}: ${JSON.stringify(raw.slice(0, 200))}`));
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
      const parsed: Record<string, string[]> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        (parsed[name] ??= []).push(line.slice(colon + 1).trim());
      }
      let rest = Buffer.from(raw.slice(end + 4), 'latin1');
      const length = parsed['content-length']?.[0];
      if (length !== undefined) rest = rest.subarray(0, Number(length));
      resolve({ status, headers: parsed, body: rest.toString('utf8') });
    });
    socket.write(head);
    if (body.length > 0) socket.write(body);
  });
}
