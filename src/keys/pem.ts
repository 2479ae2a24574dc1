/**
 * PEM armour as Go's encoding/pem reads and writes it, because Ollama reads and writes its key with Go:
 * - encode: `-----BEGIN T-----\n`, base64 in 64-column lines (pem.EncodeToMemory's pemLineLength; OpenSSH's
 *   ssh-keygen uses 70, which every reader accepts too), `-----END T-----\n`;
 * - decode: the first well-formed block wins; text before it, and after it, is ignored; a block whose END
 *   line is missing or whose body is not base64 is skipped (pem.Decode keeps scanning), so a file is "no key"
 *   only when no block decodes at all.
 */

const GO_PEM_LINE_LENGTH = 64;

interface PemBlock {
  type: string;
  /** RFC 1421 headers (`Proc-Type: 4,ENCRYPTED` marks a legacy encrypted key). */
  headers: Record<string, string>;
  bytes: Uint8Array;
}

export type PemDecodeResult = { block: PemBlock } | { block: undefined; failure: string };

const BEGIN_LINE = /^-----BEGIN ([^\r\n]*?)-----[ \t]*\r?$/.source;
const STD_BASE64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodePem(type: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  let out = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < b64.length; i += GO_PEM_LINE_LENGTH) {
    out += `${b64.slice(i, i + GO_PEM_LINE_LENGTH)}\n`;
  }
  return `${out}-----END ${type}-----\n`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits `Key: value` header lines (up to the first blank line) from the base64 body. */
function splitHeaders(body: string): { headers: Record<string, string>; base64: string } {
  const headers: Record<string, string> = {};
  const lines = body.split('\n');
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const colon = line.indexOf(':');
    if (colon === -1) break;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  // Go requires a blank line after headers; skipping one if present is enough to find the body.
  if (i > 0 && (lines[i] ?? '').trim() === '') i++;
  return { headers, base64: lines.slice(i).join('\n') };
}

export function decodePem(text: string): PemDecodeResult {
  let failure = 'no "-----BEGIN …-----" line';
  // A fresh /g regex per call: a shared one would carry lastIndex from call to call.
  for (const m of text.matchAll(new RegExp(BEGIN_LINE, 'gm'))) {
    const type = m[1] ?? '';
    const bodyStart = m.index + m[0].length;
    const end = new RegExp(`^-----END ${escapeRegExp(type)}-----[ \\t]*\\r?$`, 'm');
    const endMatch = end.exec(text.slice(bodyStart));
    if (endMatch === null) {
      failure = `the "-----BEGIN ${type}-----" block has no "-----END ${type}-----" line (file truncated?)`;
      continue;
    }
    const { headers, base64 } = splitHeaders(text.slice(bodyStart, bodyStart + endMatch.index).replace(/^\r?\n/, ''));
    const compact = base64.replace(/[ \t\r\n]/g, '');
    if (!STD_BASE64_PADDED.test(compact)) {
      failure = `the body of the "-----BEGIN ${type}-----" block is not valid base64 (corrupt or truncated)`;
      continue;
    }
    return { block: { type, headers, bytes: new Uint8Array(Buffer.from(compact, 'base64')) } };
  }
  return { block: undefined, failure };
}
