/**
 * junit.xml, read back by a real, strict XML parser (expat): well-formed whatever the client printed,
 * declared counts equal to the elements present and to the fixture's verdicts, text round-trips exactly
 * (minus the characters XML 1.0 cannot carry), and no planted secret survives.
 */
import { describe, expect, test } from '@jest/globals';
import { escapeXmlAttr, escapeXmlText, junitCounts, stripInvalidXmlChars, toJunitXml } from '../../src/report/junit.js';
import { EXPECTED, NASTY, NASTY_IN_XML, run, SECRETS } from './fixture.js';
import { child, children, NotWellFormed, parseXml, type XmlElement } from './xml-oracle.js';

function countCases(suite: XmlElement): { tests: number; failures: number; errors: number; skipped: number } {
  const cases = children(suite, 'testcase');
  return {
    tests: cases.length,
    failures: cases.filter((c) => child(c, 'failure')).length,
    errors: cases.filter((c) => child(c, 'error')).length,
    skipped: cases.filter((c) => child(c, 'skipped')).length,
  };
}

function declared(el: XmlElement): { tests: number; failures: number; errors: number; skipped: number } {
  return { tests: Number(el.attrib['tests']), failures: Number(el.attrib['failures']), errors: Number(el.attrib['errors']), skipped: Number(el.attrib['skipped']) };
}

describe('the XML oracle is strict (a bite test: otherwise "it parses" proves nothing)', () => {
  test.each([
    ['an unescaped &', '<a>x & y</a>'],
    ['a raw control character', '<a>x\u0001y</a>'],
    ['a reference to a control character', '<a>x&#1;y</a>'],
    ['a duplicate attribute', '<a b="1" b="2"/>'],
    ['mismatched tags', '<a><b></a></b>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow(NotWellFormed);
  });
});

describe('toJunitXml', () => {
  const report = run();
  const xml = toJunitXml(report);
  const root = parseXml(xml);
  const suites = children(root, 'testsuite');

  test('one testsuite per scenario, one testcase per verdict (a harness error without a verdict gets one)', () => {
    expect(root.tag).toBe('testsuites');
    expect(suites.map((s) => s.attrib['name'])).toEqual(report.scenarios.map((s) => s.id));
    expect(suites.map((s) => children(s, 'testcase').map((c) => c.attrib['name']))).toEqual([
      ['registry/token-url/realm', 'registry/token-request/signature'],
      ['registry/realm/same-host', 'errors/surfaced'],
      ['direct/signature', 'direct/fresh-ts'],
      ['basic/credentials'],
      ['apikey/bearer'],
      ['tls/custom-ca', 'direct/signature'],
      ['keys/bad-key-no-request', 'harness/error'],
    ]);
  });

  test('declared counts match the elements and the fixture: fail → failure, error → error, skip and baseline → skipped, non-strict → not a failure', () => {
    for (const suite of suites) expect([suite.attrib['name'], declared(suite)]).toEqual([suite.attrib['name'], countCases(suite)]);
    const expected = {
      tests: EXPECTED.pass + EXPECTED.fail + EXPECTED.nonStrict + EXPECTED.skip + EXPECTED.error,
      failures: 2, // F-02's two fails; the third fail is in the baseline
      errors: EXPECTED.error,
      skipped: EXPECTED.skip + 1, // + the baseline failure
    };
    expect(declared(root)).toEqual(expected);
    expect(junitCounts(report)).toEqual(expected);
  });

  test('--strict: the non-strict verdict becomes a failure', () => {
    const strict = parseXml(toJunitXml(run({ strict: true })));
    expect(declared(strict).failures).toBe(3);
    const skew = children(strict, 'testsuite').find((s) => s.attrib['name'] === 'direct/skew')!;
    expect(child(children(skew, 'testcase')[1]!, 'failure')!.attrib['type']).toBe('SHOULD');
  });

  test('a non-strict verdict without --strict: a passing testcase whose system-out says why', () => {
    const skew = suites.find((s) => s.attrib['name'] === 'direct/skew')!;
    const nonStrict = children(skew, 'testcase')[1]!;
    expect(nonStrict.children.map((c) => c.tag)).toEqual(['system-out']);
    expect(child(nonStrict, 'system-out')!.text).toContain('non-strict (SHOULD, not a failure without --strict): reused a ts');
  });

  test('a failure carries message, Expected, Actual, the request, the client exit and the reproduce line', () => {
    const f02 = suites.find((s) => s.attrib['name'] === 'F-02')!;
    const failure = child(children(f02, 'testcase')[0]!, 'failure')!;
    expect(failure.attrib['message']).toBe(`sent its signature to another host ${NASTY_IN_XML}`);
    expect(failure.attrib['type']).toBe('MUST');
    const lines = failure.text!.split('\n');
    expect(lines.slice(1)).toEqual([
      'Expected: no request to the other host',
      expect.stringMatching(/^Actual: {3}GET \/v2\/token with Authorization: AAAAC3NzaC1lZDI1NTE5AAAAI[B]{43}:<redacted>$/),
      'Request:  #1 GET /v2/token?ts=1 (other host) → 200 · Authorization: <68 chars>:<88 chars>',
      'Client:   exit 0',
      "Reproduce: oac check --client './client' --scenario 'F-02'",
    ]);
  });

  test('suite properties: client command (redacted), client exit, reproduce; the error and skip elements', () => {
    const props = (name: string): Record<string, string> => {
      const suite = suites.find((s) => s.attrib['name'] === name)!;
      return Object.fromEntries(children(child(suite, 'properties')!, 'property').map((p) => [p.attrib['name'], p.attrib['value']]));
    };
    expect(props('apikey/golden')).toEqual({
      title: 'API key', flow: 'apikey', action: 'apikey-tags',
      'client.command': 'OLLAMA_API_KEY=<redacted> ./client',
      'client.exit': 'timed out after 20000 ms (killed by the harness with SIGTERM)',
      reproduce: "oac check --client './client' --scenario 'apikey/golden'",
    });
    expect(props('tls/custom-ca')['client.exit']).toBe('killed by SIGSEGV');
    expect(props('keys/missing')['harness.error']).toBe('subject/spawn: cannot start /bin/sh: ENOENT');
    const keys = suites.find((s) => s.attrib['name'] === 'keys/missing')!;
    expect(child(children(keys, 'testcase')[1]!, 'error')!.attrib['message']).toContain('the harness broke while running this scenario');
    const tls = suites.find((s) => s.attrib['name'] === 'tls/custom-ca')!;
    expect(child(children(tls, 'testcase')[0]!, 'skipped')!.attrib['message']).toBe('expected failure (in the baseline, fail): known gap');
  });

  test('hostile text round-trips exactly, minus what XML cannot carry; attributes keep newlines and tabs', () => {
    const f02 = suites.find((s) => s.attrib['name'] === 'F-02')!;
    const props = Object.fromEntries(children(child(f02, 'properties')!, 'property').map((p) => [p.attrib['name'], p.attrib['value']]));
    expect(props['title']).toBe(`Realm on another host ${NASTY_IN_XML}`);
    expect(child(f02, 'system-out')!.text!.endsWith(NASTY_IN_XML)).toBe(true);
    const multi = parseXml(`<a v="${escapeXmlAttr('line1\nline2\ttab\r')}">${escapeXmlText('a\nb')}</a>`);
    expect([multi.attrib['v'], multi.text]).toEqual(['line1\nline2\ttab\r', 'a\nb']);
  });

  test('escaping primitives', () => {
    expect(escapeXmlText(`<&>"'`)).toBe(`&lt;&amp;&gt;"'`);
    expect(escapeXmlAttr(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
    expect(stripInvalidXmlChars(NASTY)).toBe(NASTY_IN_XML);
    expect(stripInvalidXmlChars('emoji 😀 stays')).toBe('emoji 😀 stays');
  });

  test('no planted secret appears anywhere in the file', () => {
    for (const [name, secret] of Object.entries(SECRETS)) expect([name, xml.includes(secret)]).toEqual([name, false]);
    const f02 = suites.find((s) => s.attrib['name'] === 'F-02')!;
    expect(child(f02, 'system-out')!.text).toContain('Authorization: Bearer <redacted>\n{"token":"<redacted>"}');
  });
});
