/**
 * The module a function was loaded from, found in Node's CommonJS module
 * cache (`require.cache`): the module whose exports hold that exact function.
 * Stages read from a pipeline file were loaded with `require`, and a TS
 * module imported by a notebook cell (tslab) or a script (tsx) is a CommonJS
 * module too, so their functions are found here; a function written in a
 * cell is not exported by any module, and is not found.
 *
 * When several modules export it (a module re-exporting another's), the one
 * that defines it is taken: the candidate that no other candidate is
 * imported by, i.e. not the re-exporter. Modules under `node_modules` are
 * skipped: packages are tracked by version, not by file.
 */

/** Where a function is exported from. */
export interface FunctionModule {
  /** Absolute path of the module file. */
  readonly file: string;
  /** Name of the export that holds the function (`default` for `module.exports = fn`). */
  readonly exportName: string;
}

/** A lookup from function to module, built from the module cache as it is when created. */
export type FunctionLocator = (fn: unknown) => FunctionModule | undefined;

/** Builds a {@link FunctionLocator} over the current `require.cache` (one pass over it). */
export function functionLocator(cache: NodeJS.Dict<NodeModule> = require.cache): FunctionLocator {
  const found = new Map<unknown, { module: NodeModule; exportName: string }[]>();
  for (const [file, mod] of Object.entries(cache)) {
    if (mod === undefined || file.includes(`/node_modules/`) || file.includes('\\node_modules\\')) continue;
    for (const [exportName, value] of exportedFunctions(mod.exports)) {
      const list = found.get(value) ?? [];
      if (!list.some((c) => c.module === mod)) list.push({ module: mod, exportName });
      found.set(value, list);
    }
  }
  return (fn) => {
    const candidates = found.get(fn);
    if (candidates === undefined) return undefined;
    const chosen = candidates.length === 1 ? candidates[0] : definingModule(candidates);
    return { file: chosen.module.filename ?? chosen.module.id, exportName: chosen.exportName };
  };
}

function exportedFunctions(exports: unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (typeof exports === 'function') out.push(['default', exports]);
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null) return out;
  let names: string[];
  try {
    names = Object.keys(exports);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      // Compiled ES modules export through getters; reading one runs no user code beyond returning the binding.
      const value = (exports as Record<string, unknown>)[name];
      if (typeof value === 'function') out.push([name, value]);
    } catch {
      // A getter that throws exports nothing usable here.
    }
  }
  return out;
}

function definingModule<C extends { module: NodeModule }>(candidates: readonly C[]): C {
  const importsAnother = (c: C) => candidates.some((other) => other !== c && reaches(c.module, other.module, new Set()));
  return candidates.find((c) => !importsAnother(c)) ?? candidates[0];
}

/** True when `from` imports `to`, directly or through other modules. */
function reaches(from: NodeModule, to: NodeModule, seen: Set<NodeModule>): boolean {
  for (const child of from.children ?? []) {
    if (child === to) return true;
    if (seen.has(child)) continue;
    seen.add(child);
    if (reaches(child, to, seen)) return true;
  }
  return false;
}
