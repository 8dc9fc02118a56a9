/** The error `run` throws, asserted to be an instance of `kind`; fails the test if nothing is thrown. */
import { expect } from 'vitest';

export function thrown<E extends Error>(run: () => unknown, kind: abstract new (...args: never[]) => E): E {
  let error: unknown = null;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(error, `threw a ${kind.name}`).toBeInstanceOf(kind);
  return error as E;
}
