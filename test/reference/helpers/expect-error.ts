import { expect } from '@jest/globals';
import { OacError, type AuthError } from '../../../src/errors.js';

/** Awaits `p`, expecting it to reject with an OacError of this code; returns the error for further checks. */
export async function rejection(p: Promise<unknown>, code: string): Promise<AuthError> {
  const err = await p.then(
    () => {
      throw new Error(`expected a rejection with code ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  if (!(err instanceof OacError)) throw err;
  expect(err.code).toBe(code);
  return err as AuthError;
}
