/** Test helpers for errors that carry where they happened. */
import { DataError } from '../data/errors';

/** The DataError `fn` throws (any other error is rethrown; none at all fails). */
export function dataErrorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}
