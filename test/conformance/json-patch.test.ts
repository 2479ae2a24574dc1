/**
 * The `patch-json` mutation: RFC 6902 applied by fast-json-patch, with errors a scenario author can act
 * on (the operation, its pointer, the reason).
 */
import { describe, expect, test } from '@jest/globals';
import { applyJsonPatch } from '../../src/conformance/json-patch.js';

const tokenResponse = { token: 'abc', expires_in: 60, issued_at: '2026-01-01T00:00:00Z', scopes: ['pull'] };

describe('applyJsonPatch', () => {
  test('add, replace, remove, copy, move and test, on a copy', () => {
    const out = applyJsonPatch(tokenResponse, [
      { op: 'test', path: '/token', value: 'abc' },
      { op: 'copy', from: '/token', path: '/access_token' },
      { op: 'remove', path: '/token' },
      { op: 'replace', path: '/expires_in', value: 1 },
      { op: 'add', path: '/scopes/-', value: 'push' },
      { op: 'move', from: '/issued_at', path: '/issuedAt' },
    ]);
    expect(out).toEqual({ access_token: 'abc', expires_in: 1, issuedAt: '2026-01-01T00:00:00Z', scopes: ['pull', 'push'] });
    expect(tokenResponse).toEqual({ token: 'abc', expires_in: 60, issued_at: '2026-01-01T00:00:00Z', scopes: ['pull'] });
  });

  test('a pointer to nothing names the operation and the pointer', () => {
    expect(() => applyJsonPatch(tokenResponse, [{ op: 'remove', path: '/refresh_token' }])).toThrow(
      'JSON patch remove /refresh_token: Cannot perform the operation at a path that does not exist (OPERATION_PATH_UNRESOLVABLE)',
    );
  });

  test('a failed test operation stops the patch, naming the second operation', () => {
    let caught: unknown;
    try {
      applyJsonPatch(tokenResponse, [{ op: 'replace', path: '/token', value: 'x' }, { op: 'test', path: '/token', value: 'abc' }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'scenario/bad-patch', message: 'JSON patch test /token: Test operation failed (TEST_OPERATION_FAILED)' });
  });
});
