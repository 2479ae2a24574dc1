/** A received request, read in full, in the form every handler needs it. */
import type { IncomingHttpHeaders } from 'node:http';
import { goParseQuery, type GoValues } from '../protocol/go-url.js';

export interface EmulatorRequest {
  method: string;
  /** The request target exactly as received (`/v2/token?nonce=…`). */
  target: string;
  /** The path part of the target, undecoded. */
  path: string;
  /** The raw query (without `?`). */
  rawQuery: string;
  query: GoValues;
  headers: IncomingHttpHeaders;
  /** The Authorization value, if one was sent. */
  authorization: string | undefined;
  body: Buffer;
  /** With TLS and requestCert: whether the client presented a certificate the CA vouches for. */
  clientCertAuthorized: boolean | undefined;
}

export function toEmulatorRequest(method: string, target: string, headers: IncomingHttpHeaders, body: Buffer, clientCertAuthorized?: boolean): EmulatorRequest {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  // Go's ParseQuery never fails as a whole; pairs it drops are simply absent (signed strings are rebuilt from `target`).
  const query = goParseQuery(rawQuery).values;
  return { method, target, path, rawQuery, query, headers, authorization: headers.authorization, body, clientCertAuthorized };
}
