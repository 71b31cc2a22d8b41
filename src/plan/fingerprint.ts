import { sha256 } from '../canonical-json';

/**
 * The code fingerprint of a stage function: hex sha256 of its source text
 * (`fn.toString()`). Editing the function changes the fingerprint, which
 * invalidates the stage's cache unless the stage declares a `version`.
 */
export function fingerprintFunction(fn: (...args: never[]) => unknown): string {
  return sha256(Function.prototype.toString.call(fn));
}
