import { isPackageFile, loadedModules, moduleSource } from './loaded-modules';

/**
 * The module a function was loaded from: the loaded CommonJS module (see
 * `loaded-modules.ts`: `require.cache` and what its modules' `children`
 * reach, which covers tslab's modules) whose exports hold that exact
 * function. Stages read from a pipeline file were loaded with `require`, a TS
 * module imported by a script (tsx) is in `require.cache`, and one imported
 * by a notebook cell (tslab) is reachable as a child of tslab's executor, so
 * their functions are found here; a function written in a cell is not
 * exported by any module, and is not found.
 *
 * When several modules export it (a module re-exporting another's), the one
 * that defines it is taken: the candidate that no other candidate is
 * imported by, i.e. not the re-exporter. Modules under `node_modules` are
 * skipped: packages are tracked by version, not by file.
 *
 * Every function located is remembered with the module object it came from
 * ({@link functionOrigin}), so a run can tell later whether that module's
 * code is older than its files.
 */

/** Where a function is exported from. */
export interface FunctionModule {
  /** Absolute path of the module's source file (a tslab module's `.ts` file, not its `.js` name). */
  readonly file: string;
  /** Name of the export that holds the function (`default` for `module.exports = fn`). */
  readonly exportName: string;
}

/** A located function's module object, as loaded. */
export interface FunctionOrigin extends FunctionModule {
  /** The module object whose exports hold the function. */
  readonly module: NodeModule;
}

/** A lookup from function to module, built from the loaded modules as they are when created. */
export type FunctionLocator = (fn: unknown) => FunctionModule | undefined;

/** The loaded local modules (not under `node_modules`), with a lookup from function to module. */
export interface ModuleIndex {
  /** The module exporting `fn`, if any. */
  readonly locate: FunctionLocator;
  /** The loaded local modules, each with its source file. */
  readonly modules: readonly { readonly module: NodeModule; readonly file: string }[];
}

const origins = new WeakMap<object, FunctionOrigin>();

/** The module a function was located in by a {@link ModuleIndex}, if it was. */
export function functionOrigin(fn: unknown): FunctionOrigin | undefined {
  return (typeof fn === 'function' || (typeof fn === 'object' && fn !== null)) ? origins.get(fn) : undefined;
}

/** Remembers where a function was found some other way (a module loaded again for a stage). */
export function rememberOrigin(fn: object, origin: FunctionOrigin): void {
  origins.set(fn, origin);
}

/** Builds a {@link ModuleIndex} over the modules loaded now (one pass over them). */
export function moduleIndex(cache: NodeJS.Dict<NodeModule> = require.cache): ModuleIndex {
  const found = new Map<unknown, { module: NodeModule; exportName: string }[]>();
  const modules: { module: NodeModule; file: string }[] = [];
  for (const mod of loadedModules(cache)) {
    const file = moduleSource(mod);
    if (isPackageFile(file)) continue;
    modules.push({ module: mod, file });
    for (const [exportName, value] of exportedFunctions(mod.exports)) {
      const list = found.get(value) ?? [];
      if (!list.some((c) => c.module === mod)) list.push({ module: mod, exportName });
      found.set(value, list);
    }
  }
  const locate: FunctionLocator = (fn) => {
    const candidates = found.get(fn);
    if (candidates === undefined) return undefined;
    const chosen = candidates.length === 1 ? candidates[0] : definingModule(candidates);
    const origin: FunctionOrigin = { module: chosen.module, file: moduleSource(chosen.module), exportName: chosen.exportName };
    origins.set(fn as object, origin);
    return { file: origin.file, exportName: origin.exportName };
  };
  return { locate, modules };
}

/** Builds a {@link FunctionLocator} over the modules loaded now. */
export function functionLocator(cache: NodeJS.Dict<NodeModule> = require.cache): FunctionLocator {
  return moduleIndex(cache).locate;
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
