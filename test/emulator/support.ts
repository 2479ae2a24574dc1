/**
 * Shared by the emulator suites: a raw node:http(s) client that sends the request target byte for byte
 * (the emulator rebuilds signed strings from it), a controllable clock, keys, and schema checks of
 * every body the emulator sends.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { expect } from '@jest/globals';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { keyFromSeed, TEST_SEED, type OllamaKey } from '../../src/keys/index.js';
import { validate } from '../../src/specs/validate.js';

export const TEST_KEY: OllamaKey = keyFromSeed(TEST_SEED);

export function freshKey(): OllamaKey {
  return keyFromSeed(randomBytes(32));
}

/** The golden vectors' instant. */
export const VECTOR_TS = 1_700_000_000;

/** A settable clock in unix seconds, given to the emulator as milliseconds. */
export class Clock {
  constructor(public seconds: number = VECTOR_TS) {}
  readonly now = (): number => this.seconds * 1000;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Separate field lines, as the wire had them. */
  rawHeaders: string[];
  body: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** Sends `target` (path and query, exactly as given) to the listening origin `base`. */
export function send(base: string, target: string, opts: SendOptions = {}): Promise<RawResponse> {
  const url = new URL(base);
  const lib = url.protocol === 'https:' ? https : http;
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  return new Promise((resolve, reject) => {
    const req = lib.request({
      host: url.hostname,
      port: url.port,
      method: opts.method ?? 'GET',
      path: target,
      headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), ...opts.headers },
      agent: false,
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const received = { status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
        try {
          expectResponseSchema(target, received);
        } catch (err) {
          reject(err);
          return;
        }
        resolve(received);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Path and query of an absolute URL string, untouched (no WHATWG re-encoding). */
export function targetOf(absoluteUrl: string): string {
  const afterScheme = absoluteUrl.indexOf('//') + 2;
  const slash = absoluteUrl.indexOf('/', afterScheme);
  const query = absoluteUrl.indexOf('?', afterScheme);
  const start = slash === -1 ? query : query === -1 ? slash : Math.min(slash, query);
  if (start === -1) return '/';
  const target = absoluteUrl.slice(start);
  return target.startsWith('?') ? `/${target}` : target;
}

export function reasonId(res: RawResponse): string | undefined {
  const reason = res.headers['x-oac-reason'];
  if (typeof reason !== 'string') return undefined;
  return reason.slice(0, reason.indexOf(':'));
}

/** Asserts the refusal: exact status, the check id in X-Oac-Reason, and a fragment of its message. */
export function expectReason(res: RawResponse, status: number, checkId: string, fragment?: string): void {
  expect({ status: res.status, id: reasonId(res) }).toEqual({ status, id: checkId });
  if (fragment !== undefined) expect(res.headers['x-oac-reason']).toContain(fragment);
}

export type SchemaName = 'ollama-error' | 'oci-errors' | 'token-response';

/** Every error/token body the emulator sends must validate against specs/schemas. */
export function expectSchema(schema: SchemaName, body: string): unknown {
  const data: unknown = JSON.parse(body);
  expect({ schema, result: validate(schema, data) }).toEqual({ schema, result: { ok: true, errors: [] } });
  return data;
}

/**
 * Applied to every response `send` sees: an error body is Ollama's or the OCI shape and validates
 * against that schema; a token response validates against token-response. The suites also assert the
 * exact body where it matters; this makes sure no response slips past the schemas.
 */
export function expectResponseSchema(target: string, res: RawResponse): void {
  if (res.body === '') return;
  const path = target.split('?')[0];
  if (res.status >= 400) {
    const json = JSON.parse(res.body) as Record<string, unknown>;
    expectSchema('errors' in json ? 'oci-errors' : 'ollama-error', res.body);
  } else if (path === '/v2/token') {
    expectSchema('token-response', res.body);
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<{ emulator: Emulator; base: string }> {
  const emulator = createEmulator(options);
  const { url } = await emulator.start();
  return { emulator, base: url };
}
