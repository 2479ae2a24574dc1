/**
 * "A token already verified is not verified again" (issue 12): the token endpoint remembers the tokens it
 * issued, so the retry that carries one does not run Ed25519 over the same signature a second time, and
 * the answers and findings stay what they were.
 */
import { describe, expect, test } from '@jest/globals';
import { formatAuthorization } from '../../src/protocol/authorization.js';
import { registrySignedString } from '../../src/protocol/signing.js';
import { buildTokenUrl } from '../../src/protocol/token-url.js';
import { resolveOptions } from '../../src/emulator/options.js';
import { toEmulatorRequest } from '../../src/emulator/request.js';
import { handleTokenRequest } from '../../src/emulator/token-endpoint.js';
import { checkBearerToken, issueToken } from '../../src/emulator/token.js';
import { VerifiedTokens } from '../../src/emulator/verified-tokens.js';
import { Clock, freshKey, VECTOR_TS } from './support.js';

const ORIGIN = 'http://127.0.0.1:5000';
const REPOSITORY = 'library/llama3';

function emulatorState(clock = new Clock()) {
  return resolveOptions({ publicOrigin: ORIGIN, now: clock.now }, () => undefined);
}

function tokenUrl(): string {
  return buildTokenUrl({ realm: `${ORIGIN}/v2/token`, service: '127.0.0.1:5000', scope: `repository:${REPOSITORY}:pull`, ts: VECTOR_TS, nonce: 'AAAAAAAAAAAAAAAAAAAAAA' });
}

describe('verified tokens', () => {
  test('the token endpoint remembers the token it issued, and that token still passes every rule on use', () => {
    const state = emulatorState();
    const key = freshKey();
    const url = tokenUrl();
    const authorization = formatAuthorization(key.publicKeyField, key.sign(registrySignedString(url)));
    const reply = handleTokenRequest(state, toEmulatorRequest('GET', url.slice(ORIGIN.length), { authorization }, Buffer.alloc(0)));
    expect(reply.status).toBe(200);
    const token = (JSON.parse(String(reply.body)) as { token: string }).token;
    expect(state.verifiedTokens.has(token)).toBe(true);
    expect(checkBearerToken(state, token, REPOSITORY, 'pull').map((f) => [f.id, f.ok])).toEqual([
      ['registry/token/opaque', true], ['registry/token/no-cross-host', true], ['registry/token-request/ts-window', true],
      ['direct/known-key', true], ['registry/token/scope-bound', true],
    ]);
  });

  test('a remembered token is not verified again; one it never issued is', () => {
    const state = emulatorState();
    const key = freshKey();
    // A well-formed token whose signature covers another string: only verification can tell.
    const forged = issueToken(tokenUrl(), key.publicKeyField, Buffer.from(key.sign('something else')).toString('base64'));
    expect(checkBearerToken(state, forged, REPOSITORY, 'pull')).toEqual([{
      id: 'registry/token/opaque', ok: false,
      message: "the Bearer token's signature does not verify (was it altered?): signature does not verify over the string a correct client signs (nor over any known wrong variant)",
    }]);
    state.verifiedTokens.remember(forged);
    expect(checkBearerToken(state, forged, REPOSITORY, 'pull')[0]).toEqual({ id: 'registry/token/opaque', ok: true, message: 'the Bearer token is one this registry issued, unaltered' });
  });

  test('the memory is bounded: the oldest token is forgotten first', () => {
    const tokens = new VerifiedTokens(2);
    tokens.remember('a');
    tokens.remember('b');
    tokens.remember('c');
    expect([tokens.has('a'), tokens.has('b'), tokens.has('c'), tokens.size]).toEqual([false, true, true, 2]);
    expect(() => new VerifiedTokens(0)).toThrow('VerifiedTokens capacity must be a positive whole number, got 0');
  });
});
