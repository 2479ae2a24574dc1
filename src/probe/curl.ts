/**
 * A `curl` command line that repeats one probe request, with every secret shown as `<redacted>`
 * (the user puts their own value back). The target goes out as the probe sent it: `--path-as-is`
 * keeps a spelling curl would otherwise normalise, and `--request-target` carries an absolute-form one.
 */
import type { AppliedCredentials } from './credentials.js';
import { shellQuote } from './shell.js';
import { hostPort, type ProbeTarget } from './target.js';

export interface CurlRequest {
  method: string;
  /** The request target as shown (secrets in a query replaced by `<redacted>`; absolute for absolute-form). */
  target: string;
  absoluteForm: boolean;
  headers: Record<string, string>;
  body: string;
  credentials: AppliedCredentials;
  /** The request was sent without verifying the server certificate. */
  unverified: boolean;
}

export function curlLine(req: CurlRequest, t: ProbeTarget): string {
  const origin = `${t.scheme}://${hostPort(t)}`;
  const args = ['curl', '-sS', '-i'];
  if (req.method === 'HEAD') args.push('-I');
  else if (req.method !== 'GET' || req.body !== '') args.push('-X', shellQuote(req.method));
  if (t.scheme === 'https') {
    if (t.caFile !== undefined) args.push('--cacert', shellQuote(t.caFile));
    if (t.insecure || (req.unverified && t.caFile === undefined)) args.push('-k');
    if (req.credentials.clientCert === 'given' && t.clientCert) args.push('--cert', shellQuote(t.clientCert.certFile), '--key', shellQuote(t.clientCert.keyFile));
    if (req.credentials.clientCert === 'foreign') args.push('--cert', shellQuote('<a certificate from another CA>'), '--key', shellQuote('<its key>'));
  }
  args.push(...req.credentials.curlArgs);
  for (const [name, value] of Object.entries(req.headers)) args.push('-H', shellQuote(`${name}: ${value}`));
  if (req.body !== '') args.push('--data-binary', shellQuote(req.body));
  if (req.absoluteForm) {
    args.push('--request-target', shellQuote(req.target), shellQuote(`${origin}/`));
  } else {
    if (/%|\/\/|\/\.|;/.test(req.target)) args.push('--path-as-is');
    args.push(shellQuote(`${origin}${req.target}`));
  }
  return args.join(' ');
}
