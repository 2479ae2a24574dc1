/**
 * What `oac probe` observed of a deployment, as the probe rules read it. Subject-neutral data: the probe
 * engine (src/probe) fills it in, the rules here decide checks from it, and nothing in it is a secret
 * (credentials appear only as the name of the variant that was sent).
 */

/**
 * Did the request reach Ollama? `ollama`: the answer is what Ollama itself gives to that exact request;
 * `refused`: something in front of Ollama answered (401, 403, a 400 for a missing client certificate,
 * its own 404/405 page, a failed handshake, a closed connection); `unknown`: nothing can be said (a
 * timeout, the target unreachable, a request the probe did not send because it could not authenticate
 * the server).
 */
export type Reach = 'ollama' | 'refused' | 'unknown';

/**
 * Which credentials a request carried, relative to the ones the probe was given. The family decides
 * which check the request speaks for.
 */
export type CredentialFamily = 'none' | 'valid' | 'wrong' | 'malformed' | 'key-variant';

export interface CredentialVariant {
  /** Stable id, e.g. `wrong-password`, `key-other-case`, `key-in-query-api_key`. */
  id: string;
  family: CredentialFamily;
  /** A few words for a person: "a wrong password", "the API key in upper/lower case swapped". */
  description: string;
}

/**
 * Why a request was sent: a method the route registers; a `stand-in` for registered methods that act
 * whatever the request holds (never sent: a method the router does not register proves the route
 * reachable with Ollama's 405 instead); another method; another spelling of the path.
 */
export type ExchangePurpose = 'registered-method' | 'stand-in' | 'unregistered-method' | 'path-spelling';

/** How the answer looked: a response, or the way the exchange failed. */
export type ExchangeOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; bodySnippet: string; truncated?: boolean }
  | { kind: 'tls-refused'; message: string }
  | { kind: 'connection-closed'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'not-sent'; message: string };

export interface ProbeExchange {
  /** 0-based, in the order sent. */
  seq: number;
  /** The route as Ollama's router registers it, e.g. `/api/blobs/:digest`. */
  route: string;
  method: string;
  /** The request target exactly as sent (path + query, credentials in it replaced by `<redacted>`). */
  target: string;
  /** `canonical` or the name of the spelling (e.g. `percent-encoded-letter`). */
  spelling: string;
  purpose: ExchangePurpose;
  credential: CredentialVariant;
  /** Request headers as sent, every secret value shown as `<redacted>`. */
  headers: Record<string, string>;
  /** Whether the route is one Ollama answers publicly by design (`/`, `/api/version`): judged as disclosure. */
  versionDisclosing: boolean;
  outcome: ExchangeOutcome;
  reach: Reach;
  /** Why the classifier decided `reach`, in words (what came back against what Ollama answers). */
  reachReason: string;
  /** A `curl` command line that repeats the request, credentials redacted. */
  curl: string;
}

/** Which credentials the probe was given (not their values). */
export interface ProbeCredentials {
  basic: boolean;
  apiKey: boolean;
  /** Custom headers given with --header. */
  headers: boolean;
  clientCert: boolean;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface TlsVersionAttempt {
  version: TlsVersion;
  accepted: boolean;
  /** What the handshake ended with (the negotiated protocol, or the error). */
  detail: string;
}

export interface ServerCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Chain verified against --ca (or the system store when none was given); the error code when not. */
  chainOk: boolean;
  chainError?: string;
  /** The certificate names the host of the probed URL. */
  hostOk: boolean;
  hostError?: string;
}

export interface TlsObservation {
  /** `https:` or `http:` of the probed URL. */
  scheme: 'https' | 'http';
  host: string;
  /** What --expect-tls asked for. */
  expectedMinimum?: TlsVersion;
  /** One attempt per version, empty for http. */
  attempts: TlsVersionAttempt[];
  /** Undefined when no handshake completed at all. */
  certificate?: ServerCertificate;
  /** The probe's clock when it looked (ISO), to judge expiry. */
  checkedAt: string;
  /** Why the TLS probe could not run (the target unreachable): every TLS check is then undecidable. */
  failure?: string;
}

/** The mTLS probes: the right credentials, once without a client certificate and once with a foreign one. */
export interface MtlsObservation {
  withoutCertificate: ProbeExchange;
  foreignCertificate: ProbeExchange;
}

export interface CorsAttempt {
  /** `preflight` (OPTIONS with Access-Control-Request-*) or `simple` (a GET with Origin). */
  kind: 'preflight' | 'simple';
  exchange: ProbeExchange;
  origin: string;
  allowOrigin?: string;
  allowCredentials?: string;
}

export interface CorsObservation {
  attempts: CorsAttempt[];
}

/** One request of an earlier recorded probe and what the same request met now. */
interface DriftPair {
  /** route, method, spelling, credential: what identifies the same request across runs. */
  key: string;
  before: Reach;
  now: ProbeExchange;
}

export interface DriftObservation {
  /** The recording compared with (its file name and when it was made). */
  recording: string;
  recordedAt: string;
  pairs: DriftPair[];
  /** Requests of the recording that this run did not send (another plan): reported, never judged. */
  unmatched: number;
}

/** Short words for an exchange in a finding message: `GET /api/tags (no credentials)`. */
export function describeExchange(e: ProbeExchange): string {
  const spelling = e.spelling === 'canonical' ? '' : `, spelled ${e.target}`;
  const standIn = e.purpose === 'stand-in' ? ', in place of the registered method, which the probe never sends' : '';
  return `${e.method} ${e.route} (${e.credential.description}${spelling}${standIn})`;
}

/** What came back, in words: `401`, `200 {"models":[]}`, `handshake refused: …`. */
export function describeOutcome(o: ExchangeOutcome): string {
  if (o.kind !== 'response') return `${o.kind}: ${o.message}`;
  const body = o.bodySnippet.trim() === '' ? '' : ` ${o.bodySnippet.length > 120 ? `${o.bodySnippet.slice(0, 120)}…` : o.bodySnippet}`;
  return `${o.status}${body}`;
}
