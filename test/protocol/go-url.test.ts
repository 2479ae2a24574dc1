import { describe, expect, test } from '@jest/globals';
import {
  goEncodeValues, goParseQuery, goParseUrl, goPathEscape, goQueryEscape, goQueryUnescape, goRequestUri, goUrlString,
} from '../../src/protocol/go-url.js';

// Expected outputs below were produced by Go 1.19's net/url (url.QueryEscape, url.PathEscape,
// url.Values.Encode, URL.String): literals, not recomputed by our code.
describe('Go net/url escaping', () => {
  test.each([
    ['repository:library/llama3:pull', 'repository%3Alibrary%2Fllama3%3Apull'],
    ['a b', 'a+b'],
    ['-_.~', '-_.~'],
    ['é', '%C3%A9'],
    ['a+b&c=d', 'a%2Bb%26c%3Dd'],
    ['', ''],
  ])('QueryEscape(%j) = %j', (input, expected) => {
    expect(goQueryEscape(input)).toBe(expected);
  });

  test.each([
    ['my host', 'my%20host'],
    ['a/b;c,d?e', 'a%2Fb%3Bc%2Cd%3Fe'],
    ['$&+:=@', '$&+:=@'],
  ])('PathEscape(%j) = %j', (input, expected) => {
    expect(goPathEscape(input)).toBe(expected);
  });

  test('QueryUnescape decodes + and %XX and rejects a malformed escape', () => {
    expect(goQueryUnescape('a+b%3A')).toBe('a b:');
    expect(() => goQueryUnescape('a%zz')).toThrow(expect.objectContaining({ code: 'url/bad-escape' }));
  });
});

describe('Go url.Values', () => {
  test('Encode sorts keys and keeps the order of repeated values', () => {
    const { values } = goParseQuery('ts=1&scope=b&nonce=n&scope=a&service=s');
    expect(goEncodeValues(values)).toBe('nonce=n&scope=b&scope=a&service=s&ts=1');
  });

  test('ParseQuery drops pairs with a semicolon or a bad escape and says so', () => {
    const { values, rejected } = goParseQuery('a=1;b=2&c=%zz&d=4');
    expect([...values.keys()]).toEqual(['d']);
    expect(rejected.map((r) => r.pair)).toEqual(['a=1;b=2', 'c=%zz']);
  });
});

describe('Go url.Parse / URL.String', () => {
  test('keeps host and port exactly as written (no default-port removal, no case folding)', () => {
    expect(goParseUrl('https://Registry.Ollama.ai:443/v2/token').host).toBe('Registry.Ollama.ai:443');
    expect(goParseUrl('http://user:pa%40ss@127.0.0.1:8080/x').userinfo).toBe('user:pa%40ss');
  });

  test.each([
    ['https://r.example/token?a=b#f', 'https://r.example/token?a=b#f'],
    ['https://host', 'https://host'],
    ['basic', 'basic'],
    ['', ''],
  ])('round-trips %j', (raw, expected) => {
    expect(goUrlString(goParseUrl(raw))).toBe(expected);
  });

  test('RequestURI is "/" for an empty path and carries the query', () => {
    expect(goRequestUri(goParseUrl('https://ollama.com'))).toBe('/');
    expect(goRequestUri(goParseUrl('https://ollama.com/api/tags?ts=1'))).toBe('/api/tags?ts=1');
  });

  test('a control character is an error, as in Go', () => {
    expect(() => goParseUrl('https://a/\n')).toThrow(expect.objectContaining({ code: 'url/control-char' }));
  });
});
