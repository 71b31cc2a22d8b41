import { isPlainObject } from '../object-kind';

/**
 * Merging an environment's overlay over a pipeline definition: the same rule
 * for the file format (raw YAML/JSON data, before validation) and the TS API
 * (definitions holding functions), so an overlay means the same whichever way
 * it arrives.
 *
 * - Plain objects merge key by key, at any depth (`params`, `retry`,
 *   `budgets`, `defaults`, `secrets`, ...). An object with a `kind`
 *   (`executor`) whose overlay names another kind is replaced: merging a
 *   `local` executor into a `bullmq` one would keep its `connection`.
 * - `stages` given as a map overlays stages by id, in the map form or the
 *   array form of the base (a stage the base lacks is added); given as an
 *   array, it replaces the stages.
 * - Arrays, functions, scalars and `null` replace what was there.
 *
 * Written here rather than taken from a merge package: the stage-by-id rule
 * and the `kind` rule are the definition's own, and the merge must also say
 * which fields it set, for messages and the dry run.
 */

/** A definition with an overlay merged over it, and what the overlay set. */
export interface OverlayResult<T> {
  /** The base with the overlay merged over it. */
  readonly merged: T;
  /** The fields the overlay set, as dotted paths (`stages.stress.enabled`, `params.window`), sorted. */
  readonly paths: readonly string[];
}

/** Merges `overlay` over `base` (neither is changed). */
export function mergeOverlay<T>(base: T, overlay: Readonly<Record<string, unknown>>): OverlayResult<T> {
  const paths: string[] = [];
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(overlay)) {
    if (key === 'stages' && isPlainObject(value)) out.stages = mergeStages(out.stages, value, paths);
    else out[key] = mergeValue(out[key], value, [key], paths);
  }
  return { merged: out as T, paths: paths.sort() };
}

function mergeValue(base: unknown, overlay: unknown, path: readonly string[], paths: string[]): unknown {
  if (isPlainObject(base) && isPlainObject(overlay) && sameKind(base, overlay)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(overlay)) out[key] = mergeValue(base[key], value, [...path, key], paths);
    // An empty overlay object sets nothing, but names the field, so an error in it can be traced.
    if (Object.keys(overlay).length === 0) paths.push(path.join('.'));
    return out;
  }
  paths.push(path.join('.'));
  return overlay;
}

/** False when both objects have a `kind` and the kinds differ: the overlay is another variant, not a change to this one. */
function sameKind(base: Record<string, unknown>, overlay: Record<string, unknown>): boolean {
  return !('kind' in overlay) || !('kind' in base) || base.kind === overlay.kind;
}

function mergeStages(base: unknown, overlay: Record<string, unknown>, paths: string[]): unknown {
  if (Array.isArray(base)) {
    const out = [...base];
    for (const [id, stage] of Object.entries(overlay)) {
      const at = out.findIndex((s) => isPlainObject(s) && s.id === id);
      if (at === -1) {
        out.push(mergeValue({ id }, stage, ['stages', id], paths));
      } else {
        out[at] = mergeValue(out[at], stage, ['stages', id], paths);
      }
    }
    return out;
  }
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [id, stage] of Object.entries(overlay)) out[id] = mergeValue(out[id], stage, ['stages', id], paths);
  return out;
}

/** The stage ids a base definition has, in the map form or the array form. */
export function baseStageIds(stages: unknown): string[] {
  if (Array.isArray(stages)) return stages.flatMap((s) => (isPlainObject(s) && typeof s.id === 'string' ? [s.id] : []));
  return isPlainObject(stages) ? Object.keys(stages) : [];
}

/**
 * The field of `paths` that `issuePath` (a dotted path) is at or inside, or
 * that is inside it; undefined when the issue is not about a field the
 * overlay set.
 */
export function overlaidField(paths: readonly string[], issuePath: string): string | undefined {
  return paths.find((p) => p === issuePath || issuePath.startsWith(`${p}.`) || p.startsWith(`${issuePath}.`));
}
