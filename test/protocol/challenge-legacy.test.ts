import { describe, test, expect } from '@jest/globals';
import { ProtocolError } from '../../src/errors.js';
import {
  LegacyParserPanic,
  legacyFirstHeader,
  legacyProfiles,
  parseLegacyImagesGo,
  parseLegacyImagesGoBytes,
  parseLegacyXTransfer,
  parseLegacyXTransferBytes,
  type LegacyProfileName,
} from '../../src/protocol/challenge-legacy.js';
import { loadObservedParserCases } from '../helpers/vectors.js';

const rows = loadObservedParserCases();
const profiles: LegacyProfileName[] = ['images.go', 'x/transfer'];

function triple(profile: LegacyProfileName, header: string): [string, string, string] {
  const c = legacyProfiles[profile](header);
  return [c.realm, c.service, c.scope];
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('observed vectors (Go transcription of ollama fb30760)', () => {
  test('the vectors file has rows and both profiles', () => {
    expect(rows.length).toBeGreaterThanOrEqual(13);
    for (const r of rows) for (const p of profiles) expect(r[p]).toHaveLength(3);
  });

  for (const row of rows) {
    for (const profile of profiles) {
      test(`${row.case} / ${profile}`, () => {
        expect(triple(profile, row.header)).toEqual(row[profile]);
      });
    }
    test(`${row.case}: "differ" flag agrees with the two recorded outputs`, () => {
      expect(JSON.stringify(row['images.go']) !== JSON.stringify(row['x/transfer'])).toBe(row.differ);
    });
  }
});

describe('images.go panic (F-05, REG-04)', () => {
  test('"…,realm=" at the very end panics with Go\'s exact message', () => {
    // After TrimPrefix: `service="svc",realm=` (20 bytes); realm= at 14; start = 14+7 = 21 > 20.
    const e = thrown(() => parseLegacyImagesGo('Bearer service="svc",realm='));
    expect(e).toBeInstanceOf(LegacyParserPanic);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as LegacyParserPanic).code).toBe('challenge/legacy-panic');
    expect((e as LegacyParserPanic).message).toBe('runtime error: slice bounds out of range [:21] with length 20');
  });

  test('x/transfer returns "" for the same header', () => {
    expect(parseLegacyXTransfer('Bearer service="svc",realm=')).toEqual({ realm: '', service: 'svc', scope: '' });
  });

  test('a header that is only "realm=" (no Bearer prefix) panics too', () => {
    expect(() => parseLegacyImagesGo('realm=')).toThrow('runtime error: slice bounds out of range [:7] with length 6');
  });

  test('service= / scope= at the end panic in field order (realm parsed first)', () => {
    expect(() => parseLegacyImagesGo('Bearer realm="r",service=')).toThrow(
      'runtime error: slice bounds out of range [:19] with length 18',
    );
    expect(() => parseLegacyImagesGo('Bearer realm="r",scope=')).toThrow('runtime error: slice bounds out of range [:17] with length 16');
    expect(parseLegacyXTransfer('Bearer realm="r",scope=')).toEqual({ realm: 'r', service: '', scope: '' });
  });

  test('"realm=x" at the end does not panic (start == len, empty slice)', () => {
    expect(parseLegacyImagesGo('Bearer service="s",realm=x')).toEqual({ realm: '', service: 's', scope: '' });
  });

  test('"realm=," at the end does not panic: the skip lands exactly on len', () => {
    // `realm=,` : start = idx+7 = len → header[len:len] = "".
    expect(parseLegacyImagesGo('Bearer realm=,')).toEqual({ realm: '', service: '', scope: '' });
  });

  test('panic offsets count UTF-8 bytes, not UTF-16 code units', () => {
    // `service="é",realm=` is 18 JS chars but 19 bytes.
    expect(() => parseLegacyImagesGo('Bearer service="é",realm=')).toThrow(
      'runtime error: slice bounds out of range [:20] with length 19',
    );
  });
});

describe('substring bugs', () => {
  test('xrealm="…" is read as realm by images.go (first "realm=" substring wins)', () => {
    const h = 'Bearer xrealm="https://evil",realm="R"';
    expect(parseLegacyImagesGo(h).realm).toBe('https://evil');
    expect(parseLegacyXTransfer(h).realm).toBe('https://evil');
  });

  test('scheme is never checked: Basic challenge is read like a Bearer one', () => {
    expect(parseLegacyImagesGo('Basic realm="harbor"')).toEqual({ realm: 'harbor', service: '', scope: '' });
    expect(parseLegacyXTransfer('Basic realm="harbor"')).toEqual({ realm: 'harbor', service: '', scope: '' });
  });

  test('images.go skips one byte after "=" even when it is the first byte of a multi-byte character', () => {
    // realm=é… : the skip lands on é's continuation byte 0xA9.
    const bytes = parseLegacyImagesGoBytes('Bearer realm=é,service="s"');
    expect(Buffer.from(bytes.realm)).toEqual(Buffer.concat([Buffer.from([0xa9]), Buffer.from(',service="s')]));
    expect(parseLegacyImagesGo('Bearer realm=é,service="s"').realm).toBe('\uFFFD,service="s');
  });

  test('x/transfer keeps multi-byte values intact', () => {
    expect(parseLegacyXTransfer('Bearer realm="https://r.example/tökén",service=sérvice')).toEqual({
      realm: 'https://r.example/tökén',
      service: 'sérvice',
      scope: '',
    });
    expect(Buffer.from(parseLegacyXTransferBytes('Bearer realm=ü').realm)).toEqual(Buffer.from('ü', 'utf8'));
  });

  test('Uint8Array input is taken as the exact bytes', () => {
    const raw = new Uint8Array(Buffer.from('Bearer realm="R",service="S",scope="x"', 'utf8'));
    expect(parseLegacyImagesGo(raw)).toEqual({ realm: 'R', service: 'S', scope: 'x' });
    expect(parseLegacyXTransfer(raw)).toEqual({ realm: 'R', service: 'S', scope: 'x' });
  });

  test('images.go: unterminated quote runs to the end; x/transfer likewise', () => {
    expect(parseLegacyImagesGo('Bearer realm="https://r/t')).toEqual({ realm: 'https://r/t', service: '', scope: '' });
    expect(parseLegacyXTransfer('Bearer realm="https://r/t')).toEqual({ realm: 'https://r/t', service: '', scope: '' });
  });

  test('x/transfer: `realm="` at the end yields ""', () => {
    expect(parseLegacyXTransfer('Bearer realm="')).toEqual({ realm: '', service: '', scope: '' });
    expect(parseLegacyImagesGo('Bearer realm="')).toEqual({ realm: '', service: '', scope: '' });
  });

  test('parameter names are case-sensitive', () => {
    expect(parseLegacyImagesGo('Bearer REALM="R"').realm).toBe('');
    expect(parseLegacyXTransfer('Bearer REALM="R"').realm).toBe('');
  });
});

describe('legacyFirstHeader', () => {
  test('returns only the first field value, like resp.Header.Get', () => {
    expect(legacyFirstHeader(['Basic realm="harbor"', 'Bearer realm="R"'])).toBe('Basic realm="harbor"');
    expect(legacyFirstHeader(['Bearer realm="R"'])).toBe('Bearer realm="R"');
  });

  test('no field at all gives ""', () => {
    expect(legacyFirstHeader([])).toBe('');
    expect(parseLegacyImagesGo(legacyFirstHeader([]))).toEqual({ realm: '', service: '', scope: '' });
  });

  test('so a Basic-first 401 makes both parsers read the Basic realm', () => {
    const first = legacyFirstHeader(['Basic realm="harbor"', 'Bearer realm="https://r/t",service="s"']);
    expect(parseLegacyImagesGo(first)).toEqual({ realm: 'harbor', service: '', scope: '' });
    expect(parseLegacyXTransfer(first)).toEqual({ realm: 'harbor', service: '', scope: '' });
  });
});

describe('legacyProfiles', () => {
  test('maps the vector profile names to the parsers', () => {
    expect(Object.keys(legacyProfiles).sort()).toEqual(['images.go', 'x/transfer']);
    expect(legacyProfiles['images.go']).toBe(parseLegacyImagesGo);
    expect(legacyProfiles['x/transfer']).toBe(parseLegacyXTransfer);
  });
});
