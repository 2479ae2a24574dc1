/**
 * How one intercept-mode run met the proxy, decided after the client exited: a run that cannot be judged
 * because the client never used the proxy, or refused the per-run CA, is an `error` whose message tells
 * the user what to set (src/intercept/guidance.ts). And the loopback mode's counterpart: clients that now
 * honour the proxy variables must never send loopback traffic to a proxy.
 */
import { proxyNotUsedMessage, type InterceptProxy } from '../intercept/index.js';
import type { ClientRun, Scenario } from './types.js';

/** The first line of the error when the client reached the proxy but refused every certificate it showed. */
const CA_REFUSED_LINE = 'the client refused the per-run CA: it reached the intercept proxy, but every TLS handshake failed and no request was forwarded.';

function caRefusedMessage(proxy: InterceptProxy): string {
  const reasons = [...new Set(proxy.observations().flatMap((o) => (o.kind === 'tls-failed' ? [`${o.destination}: ${o.reason}`] : [])))];
  return [
    CA_REFUSED_LINE,
    'The harness pointed SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and NODE_EXTRA_CA_CERTS at the CA bundle of this run; a client that pins its own CA file or certificate (verify=, RootCAs, --cacert) ignores them.',
    ...reasons.map((r) => `  - ${r}`),
  ].join('\n');
}

/**
 * The `error` message of a run the proxy makes unjudgeable, or undefined. No request at all is an error
 * only where a request was due: a correct client of a failure scenario that changes nothing on the server
 * (no key file, say) may stop before sending any, so there the silence is judged like any other outcome
 * unless the client claims success. Where the server must show the client something (a mutation), a
 * client that never asked could not have seen it.
 */
export function interceptError(scenario: Scenario, client: ClientRun, proxy: InterceptProxy): string | undefined {
  const counts = proxy.counts();
  if (counts.proxyRequests === 0) {
    const requestDue = scenario.expect.outcome === 'success' || client.exitCode === 0 || scenario.mutation.length > 0;
    return requestDue ? proxyNotUsedMessage(client.command, proxy.url) : undefined;
  }
  if (counts.tlsFailures > 0 && counts.forwarded === 0) return caRefusedMessage(proxy);
  return undefined;
}

/** Loopback mode: the hosts a client must reach directly even when it honours the proxy variables. */
export function loopbackNoProxy(): Record<string, string> {
  const hosts = '127.0.0.1,localhost,::1';
  return { NO_PROXY: hosts, no_proxy: hosts };
}
