/**
 * A reference to a stage function a module exports: `module#export`, as a
 * pipeline file names it (`./stages#typing`), as a worker thread loads it
 * (`fnPath`, the module resolved to an absolute file) and as code identity
 * records it (`pipelines/stages.ts#typing`). One parser and one formatter, so
 * every layer splits it alike: at the last `#`, since an export name never
 * holds one while a resolved file path may.
 */

/** A reference as a definition writes it: a module without `#` or spaces, `#`, an identifier. */
export const FN_REFERENCE_PATTERN = /^[^#\s]+#[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The two parts of a `module#export` reference. */
export interface FnReference {
  /** The module: a specifier or path as written, or a resolved file path. */
  readonly module: string;
  /** The name the module exports the function under. */
  readonly exportName: string;
}

/**
 * Splits `module#export` at its last `#`; undefined when there is no `#`
 * with a module before it. It checks no more than that: a reference a user
 * wrote is checked against {@link FN_REFERENCE_PATTERN} first.
 */
export function parseFnReference(reference: string): FnReference | undefined {
  const hash = reference.lastIndexOf('#');
  if (hash <= 0) return undefined;
  return { module: reference.slice(0, hash), exportName: reference.slice(hash + 1) };
}

/** `module#export`. */
export function formatFnReference(reference: FnReference): string {
  return `${reference.module}#${reference.exportName}`;
}
