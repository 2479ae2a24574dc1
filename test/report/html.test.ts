/**
 * report.html as a reviewer and an attacker meet it: the verdict and the summary first, failures before
 * everything else, filters, a sequence diagram per scenario with the failing step highlighted and
 * Expected/Actual beside it, the reproduce command with a copy button; self-contained (the page itself
 * names no URL and loads nothing; its one script is allowed by hash), and inert against hostile client
 * output and URLs.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { REPORT_CSP, toHtmlReport } from '../../src/report/html.js';
import { sequenceSvg } from '../../src/report/sequence-svg.js';
import type { Observation } from '../../src/conformance/types.js';
import { run, scenarios, SECRETS } from './fixture.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

/** The fixture with hostile text where a client controls it: its stderr, its stdout, the URLs it requested. */
function hostileRun(): ReturnType<typeof run> {
  const all = scenarios();
  const f02 = all[1]!;
  f02.client = { ...f02.client!, stderr: `boom ${HOSTILE}`, stdout: HOSTILE };
  f02.observations[1] = { ...f02.observations[1]!, url: `/v2/token?x=${HOSTILE}` };
  return run({ scenarios: all, tool: { ...run().tool, specDigest: `sha256:${'ab'.repeat(32)}` }, cassettes: [{ name: 'registry/pull-manifest.har', origin: 'emulator', recordedAt: '2023-11-14T22:13:20.000Z', expiresAt: '2033-11-11T22:13:20.000Z', harnessVersion: '0.1.0', protocolCommit: 'fb30760' }] });
}

const html = toHtmlReport(hostileRun());

describe('self-contained and inert', () => {
  test('one inline script, allowed by its hash in a CSP whose default is none; nothing loaded, no link out', () => {
    const html = toHtmlReport(run());
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toBe('');
    const hash = createHash('sha256').update(scripts[0]![2]!).digest('base64');
    expect(REPORT_CSP).toBe(`default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'`);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(/<link|<img|<iframe|<object|<embed|\ssrc=|@import|url\(|href=|xlink/i.test(html)).toBe(false);
  });

  test('the page names no URL of its own: with no URL in the data, there is none in the page', () => {
    const { proxyUrl: _dropped, ...config } = run().config;
    const page = toHtmlReport(run({ config }));
    expect(page.match(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<]*/gi)).toBeNull();
  });

  test('hostile client output and URLs are text: escaped in the page, in the diagram and in the tables', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<pre>boom &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</pre>');
    expect(html).toContain('class="req">#1 GET /v2/token?x=&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</text>');
    expect(html).not.toContain('<b>&amp;');
    expect(html).toContain('&lt;b&gt;&amp;amp; &quot;double&quot; &#39;single&#39;&lt;/b&gt;');
    expect(html.includes('\u001b')).toBe(false);
  });

  test('no planted secret', () => {
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, html.includes(secret)]).toEqual([name, false]);
  });
});

describe('what a reviewer reads', () => {
  test('the verdict first, then the summary: client, harness version, spec digest, cassettes and their provenance', () => {
    expect(html).toContain('<title>ollama-auth-conformance 0.1.0: FAILED</title>');
    expect(html).toContain('<header class="banner failed"><h1>FAILED</h1><p>1 failing scenario (F-02), 2 harness errors (apikey/golden, keys/missing) · 7 scenarios, 12 checks: 5 pass, 3 fail, 1 non-strict, 1 skip, 2 error</p></header>');
    expect(html).toContain('<dt>Client</dt><dd><code>OLLAMA_API_KEY=&lt;redacted&gt; ./client</code></dd>');
    expect(html).toContain('<dt>Harness</dt><dd>ollama-auth-conformance 0.1.0</dd>');
    expect(html).toContain(`<dt>Spec digest</dt><dd><code>sha256:${'ab'.repeat(32)}</code></dd>`);
    expect(html).toContain('<tr><td><code>registry/pull-manifest.har</code></td><td>emulator</td><td>2023-11-14T22:13:20.000Z</td><td>2033-11-11T22:13:20.000Z</td><td>0.1.0</td><td>fb30760</td></tr>');
    expect(html).toContain('<li>the client does not implement basic-tags (exit 3), 1 scenario</li>');
  });

  test('failures first, then harness errors, SHOULD deviations, known failures, passing, skipped; only the first failure open', () => {
    const order = [...html.matchAll(/<details class="scenario" id="s(\d+)" data-group="([a-z-]+)" data-flow="([a-z]+)"( open)?>/g)].map((m) => `${m[2]}:${m[1]}${m[4] ? ':open' : ''}`);
    expect(order).toEqual(['fail:1:open', 'error:4', 'error:6', 'non-strict:2', 'baseline:5', 'pass:0', 'skip:3']);
  });

  test('filters by verdict group (with counts, only groups present) and by flow', () => {
    const buttons = [...html.matchAll(/<button type="button" data-group-filter="([a-z-]+)" aria-pressed="(true|false)">([^<]*)<\/button>/g)].map((m) => `${m[1]}=${m[3]}`);
    expect(buttons).toEqual(['all=All (7)', 'fail=Failures (1)', 'error=Harness errors (2)', 'non-strict=Non-strict (SHOULD deviations) (1)', 'baseline=Known failures (in the baseline) (1)', 'pass=Passing (1)', 'skip=Skipped (1)']);
    const flows = [...html.matchAll(/<option value="([a-z]+)">/g)].map((m) => m[1]);
    expect(flows).toEqual(['all', 'apikey', 'basic', 'direct', 'keys', 'registry', 'tls']);
  });

  test('a failing scenario: the diagram with the failing step highlighted, Expected/Actual beside it, reproduce with a copy button', () => {
    const section = html.slice(html.indexOf('<details class="scenario" id="s1"'), html.indexOf('</details>\n<details class="scenario" id="s4"'));
    expect(section).toContain('<div class="reproduce">Reproduce: <code id="r1">oac check --client &#39;./client&#39; --scenario &#39;F-02&#39;</code><button class="copy" type="button" data-copy="r1">Copy</button></div>');
    const steps = [...section.matchAll(/<g class="step( bad)?" data-step="(\d)">/g)].map((m) => `${m[2]}${m[1] ? ' bad' : ''}`);
    expect(steps).toEqual(['0', '1 bad']);
    expect(section).toContain('200 ✗ registry/realm/same-host');
    expect(section).toContain('other host');
    expect(section).toMatch(/<\/svg><\/figure><div class="findings"><div class="finding fail"><h4><span class="v fail">FAIL<\/span> <code>registry\/realm\/same-host<\/code> \(MUST\)<\/h4>/);
    expect(section).toContain('<dt>Expected</dt><dd><code>no request to the other host</code></dd>');
    expect(section).toContain(`<dt>Actual</dt><dd><code>GET /v2/token with Authorization: AAAAC3NzaC1lZDI1NTE5AAAAI${'B'.repeat(43)}:&lt;redacted&gt;</code></dd>`);
    expect(section).toContain('<dt>Step</dt><dd>#1 (highlighted in the diagram)</dd>');
  });

  test('every verdict is still listed, per scenario, under "All N checks"', () => {
    const rows = html.match(/<tr><td><span class="v /g) ?? [];
    expect(rows.length).toBe(12); // the harness-error row included
  });
});

describe('sequenceSvg', () => {
  const obs = (seq: number, o: Partial<Observation>): Observation => ({ seq, listener: 'main', role: 'resource', method: 'GET', url: '/v2/x', headers: {}, status: 200, findings: [], ...o });
  const draw = (observations: Observation[], failing = new Map<number, string[]>()): string => sequenceSvg(observations, { failing, scrub: (s) => s, label: 'x' });

  test('lanes: client and server always, the realm only for token requests, the other host only when reached', () => {
    const lanes = (svg: string): string[] => [...svg.matchAll(/class="head-text">([^<]+)</g)].map((m) => m[1]!);
    expect(lanes(draw([obs(0, { role: 'api' })]))).toEqual(['client', 'server']);
    expect(lanes(draw([obs(0, { role: 'challenge', status: 401 }), obs(1, { role: 'token' })]))).toEqual(['client', 'server', 'realm (token endpoint)']);
    expect(lanes(draw([obs(0, { role: 'token' }), obs(1, { listener: 'other', role: 'other-host' })]))).toEqual(['client', 'server', 'realm (token endpoint)', 'other host']);
    expect(draw([])).toBe('');
  });

  test('each step: the request line, the Authorization shape, the status with the server reason and the failing checks', () => {
    const svg = draw([obs(3, { role: 'token', url: '/v2/token?ts=1', status: 401, headers: { authorization: '<68 chars>:<88 chars>' }, reason: 'bad signature' })], new Map([[0, ['registry/token-request/signature']]]));
    expect(svg).toContain('class="req">#3 GET /v2/token?ts=1</text>');
    expect(svg).toContain('class="auth">Authorization: &lt;68 chars&gt;:&lt;88 chars&gt;</text>');
    expect(svg).toContain('class="res">401 · bad signature ✗ registry/token-request/signature</text>');
    expect(svg).toContain('<g class="step bad" data-step="0"><rect class="bad-bg"');
    expect(draw([obs(0, { status: 0 })])).toContain('class="res">connection dropped</text>');
  });

  test('a request line too long for the picture is cut, its full text kept in a <title> (escaped)', () => {
    const url = `/v2/token?scope=${'a'.repeat(200)}&x=<script>`;
    const svg = draw([obs(0, { role: 'token', url })]);
    expect(svg).toMatch(/class="req"><title>#0 GET \/v2\/token\?scope=a{200}&amp;x=&lt;script&gt;<\/title>#0 GET \/v2\/token\?scope=a+…<\/text>/);
  });
});
