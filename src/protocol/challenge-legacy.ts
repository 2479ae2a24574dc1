/**
 * Ollama's two legacy `WWW-Authenticate` parsers, reproduced byte for byte, bugs included, from
 * ollama/ollama fb30760:
 *
 * - `images.go`: `server/images.go` `getValue` + `parseRegistryChallenge` (L1414-1445), used by the
 *   classic pull/push path. Finds the first `key=` substring anywhere, skips one more byte (assumes a
 *   quote), and runs to the first `"` that is followed by `,` or ends the string. Panics (slice bounds out
 *   of range) when the header ends with `key=`.
 * - `x/transfer`: `x/transfer/transfer.go` `parseAuthChallenge` (L178-216), used for tensor models.
 *   Same substring search; a quoted value ends at the next `"` (no escapes), an unquoted one at the next
 *   `,`.
 *
 * Go strings are byte strings, so both work on the UTF-8 bytes. The string-returning functions decode the
 * byte slices as UTF-8 (an invalid sequence, e.g. a multi-byte character cut by the one-byte skip, becomes
 * U+FFFD); the `…Bytes` variants return the raw slices Go would hold. Pass a `Uint8Array` when you have the
 * header's exact bytes (Node's http decodes header values as latin1, not UTF-8).
 *
 * Only the FIRST `WWW-Authenticate` field is ever seen (`resp.Header.Get`): see `legacyFirstHeader`.
 */
import { ProtocolError } from '../errors.js';

export interface LegacyChallenge {
  realm: string;
  service: string;
  scope: string;
}

export interface LegacyChallengeBytes {
  realm: Uint8Array;
  service: Uint8Array;
  scope: Uint8Array;
}

export type LegacyProfileName = 'images.go' | 'x/transfer';

/** A Go runtime panic of a legacy parser, reproduced as an exception (in Ollama it kills the process). */
export class LegacyParserPanic extends ProtocolError {
  constructor(message: string) {
    super('challenge/legacy-panic', message);
  }
}

const BEARER_SP = Buffer.from('Bearer ', 'latin1');
const QUOTE = 0x22;
const COMMA = 0x2c;

function toBytes(header: string | Uint8Array): Buffer {
  return typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header.buffer, header.byteOffset, header.byteLength);
}

/** strings.TrimPrefix(h, "Bearer ") */
function trimBearer(h: Buffer): Buffer {
  return h.length >= BEARER_SP.length && h.subarray(0, BEARER_SP.length).equals(BEARER_SP) ? h.subarray(BEARER_SP.length) : h;
}

/** Go `s[low:high]` on a string, with Go's bounds checks (high against len first, then low against high). */
function goSlice(s: Buffer, low: number, high: number): Buffer {
  if (high < 0 || high > s.length) {
    throw new LegacyParserPanic(`runtime error: slice bounds out of range [:${high}] with length ${s.length}`);
  }
  if (low < 0 || low > high) {
    throw new LegacyParserPanic(`runtime error: slice bounds out of range [${low}:${high}]`);
  }
  return s.subarray(low, high);
}

/** `server/images.go` getValue. */
function imagesGetValue(header: Buffer, key: string): Buffer {
  let startIdx = header.indexOf(Buffer.from(key + '=', 'utf8'));
  if (startIdx === -1) return Buffer.alloc(0);
  // Move the index to the starting quote after the key.
  startIdx += Buffer.byteLength(key, 'utf8') + 2;
  let endIdx = startIdx;
  while (endIdx < header.length) {
    if (header[endIdx] === QUOTE) {
      if (endIdx + 1 < header.length && header[endIdx + 1] !== COMMA) {
        endIdx++;
        continue;
      }
      break;
    }
    endIdx++;
  }
  return goSlice(header, startIdx, endIdx);
}

/** `x/transfer/transfer.go` parseAuthChallenge's getValue closure. */
function xTransferGetValue(header: Buffer, key: string): Buffer {
  let startIdx = header.indexOf(Buffer.from(key + '=', 'utf8'));
  if (startIdx === -1) return Buffer.alloc(0);
  startIdx += Buffer.byteLength(key, 'utf8') + 1;
  if (startIdx >= header.length) return Buffer.alloc(0);
  if (header[startIdx] === QUOTE) {
    startIdx++;
    const rest = goSlice(header, startIdx, header.length);
    const endIdx = rest.indexOf(QUOTE);
    if (endIdx === -1) return rest;
    return goSlice(header, startIdx, startIdx + endIdx);
  }
  const rest = goSlice(header, startIdx, header.length);
  const endIdx = rest.indexOf(COMMA);
  if (endIdx === -1) return rest;
  return goSlice(header, startIdx, startIdx + endIdx);
}

function decode(b: LegacyChallengeBytes): LegacyChallenge {
  const d = (x: Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('utf8');
  return { realm: d(b.realm), service: d(b.service), scope: d(b.scope) };
}

/** `parseRegistryChallenge` of server/images.go, returning Go's raw byte slices. Throws LegacyParserPanic. */
export function parseLegacyImagesGoBytes(header: string | Uint8Array): LegacyChallengeBytes {
  const h = trimBearer(toBytes(header));
  // Evaluated in Go's field order: a panic on realm pre-empts the others.
  const realm = imagesGetValue(h, 'realm');
  const service = imagesGetValue(h, 'service');
  const scope = imagesGetValue(h, 'scope');
  return { realm, service, scope };
}

/** `parseAuthChallenge` of x/transfer/transfer.go, returning Go's raw byte slices. Never throws. */
export function parseLegacyXTransferBytes(header: string | Uint8Array): LegacyChallengeBytes {
  const h = trimBearer(toBytes(header));
  return { realm: xTransferGetValue(h, 'realm'), service: xTransferGetValue(h, 'service'), scope: xTransferGetValue(h, 'scope') };
}

/**
 * Ollama's `server/images.go` parser (classic pull/push). Throws `LegacyParserPanic`
 * (`challenge/legacy-panic`, message `runtime error: slice bounds out of range [:N] with length L`) where
 * Go panics: a header that ends with `realm=`, `service=` or `scope=`.
 */
export function parseLegacyImagesGo(header: string | Uint8Array): LegacyChallenge {
  return decode(parseLegacyImagesGoBytes(header));
}

/** Ollama's `x/transfer` parser (tensor-model transfers). */
export function parseLegacyXTransfer(header: string | Uint8Array): LegacyChallenge {
  return decode(parseLegacyXTransferBytes(header));
}

/**
 * What `resp.Header.Get("WWW-Authenticate")` hands the legacy parsers: the first field value, or "".
 * Take `values` from the separate field lines (Node: `res.headersDistinct['www-authenticate']` or
 * `rawHeaders`): `res.headers[...]` and fetch's `Headers.get` join repeated fields with ", ", which would
 * hand the legacy parsers text Go never sees.
 */
export function legacyFirstHeader(values: readonly string[]): string {
  return values[0] ?? '';
}

/** The legacy parsers by the profile names used in `vectors/ollama-challenge-parsers-observed.json`. */
export const legacyProfiles: Readonly<Record<LegacyProfileName, (header: string | Uint8Array) => LegacyChallenge>> = Object.freeze({
  'images.go': parseLegacyImagesGo,
  'x/transfer': parseLegacyXTransfer,
});
