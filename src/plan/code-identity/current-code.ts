import type { StageFn } from '../../definition/types';
import { DagbookError } from '../../errors';
import { ensureTypeScriptLoader } from '../../typescript-loader';
import type { PlanStage } from '../plan';
import { functionOrigin, rememberOrigin, type FunctionOrigin } from './function-module';
import { loadedAt, loadedModules, modifiedAfter, moduleSource, PROCESS_START_MS } from './loaded-modules';
import { moduleGraph } from './module-graph';
import type { FileStats } from './file-state';
import { partPath } from './part-path';

/**
 * The code a stage runs must be the code its cache key names. The key is
 * computed from the files as they are now, but a stage function is the one
 * loaded when its module was imported: after a helper file changes, the key
 * changes and the stage re-runs, and running the loaded (old) function would
 * store the old code's output under the new key. So right before a stage
 * executes, {@link currentStageFunction} checks the modules it tracks
 * against their files, using when each module was loaded (`loaded-modules.ts`):
 *
 * - the stage's own module (a function a module exports), when a file of its
 *   graph changed after it was loaded: a newer load of the same file that is
 *   current (tslab loads it again when a cell imports it again) gives the
 *   export of the same name; else a module in `require.cache` (pipeline
 *   files' `fn`, tsx scripts, the CLI) is loaded again — the graph's modules
 *   that changed or import one that did are dropped from `require.cache`
 *   first — and gives the export of the same name; else (a tslab module,
 *   which only tslab can load again) the stage is refused;
 * - any other tracked module (a `codeDeps` entry, a captured import binding):
 *   the function holds it in a closure, so nothing can swap it; when it
 *   changed after it was loaded the stage is refused.
 *
 * Refusing throws `STAGE_CODE_STALE` (class `persistent`: running again
 * cannot help until the code is loaded again), so the stage fails instead of
 * storing old code's output under the new key. Its `data.remedy` says what
 * loads the code again (the error analysis's next step quotes it).
 */

/** For a module loaded again here: the module that replaced it. */
const replacements = new WeakMap<NodeModule, NodeModule>();

/**
 * The function to run for `stage` now: `loaded` when its code is current,
 * the same export from its module loaded again when it can be. `stats`: the
 * run's view of the files (see `FileStats`), the one its cache keys were made from.
 * @throws DagbookError `STAGE_CODE_STALE` when a module the stage runs
 *   changed after it was loaded and cannot be loaded again here; the error
 *   (or the module's own, such as a `SyntaxError`) of loading it again.
 */
export function currentStageFunction(stage: PlanStage, loaded: StageFn, stats?: FileStats): StageFn {
  const code = stage.code;
  if (stage.version !== undefined || code === undefined) return loaded;
  const origin = functionOrigin(loaded);
  const fn = origin === undefined ? loaded : currentExport(stage.id, loaded, origin, code.root, stats);
  for (const file of code.modules) {
    if (origin !== undefined && file === origin.file) continue;
    // Fast path: a graph no file of which changed since the process started holds no stale code.
    if (!changedSinceStart(file, stats)) continue;
    const mod = require.cache[file] ?? newestLoad(file);
    const changed = mod === undefined ? undefined : changedSinceLoad(file, mod, stats);
    if (changed !== undefined) {
      throw staleError(stage.id, changed, file, code.root, 'and the cell that defines the stage ');
    }
  }
  return fn;
}

function currentExport(stageId: string, loaded: StageFn, origin: FunctionOrigin, root: string, stats?: FileStats): StageFn {
  let mod = origin.module;
  while (replacements.has(mod)) mod = replacements.get(mod) as NodeModule;
  const changed = changedSinceLoad(origin.file, mod, stats);
  if (changed === undefined) return mod === origin.module ? loaded : exportOf(stageId, mod, origin, root);
  const newer = newestLoad(origin.file);
  if (newer !== undefined && newer !== mod && changedSinceLoad(origin.file, newer) === undefined) {
    replacements.set(origin.module, newer);
    return exportOf(stageId, newer, origin, root);
  }
  const filename = mod.filename ?? mod.id;
  if (require.cache[filename] === undefined) {
    throw staleError(stageId, changed, origin.file, root, '');
  }
  const reloaded = reload(filename, origin.file);
  replacements.set(origin.module, reloaded);
  return exportOf(stageId, reloaded, origin, root);
}

/** Loads `filename` again after dropping from `require.cache` each module of its graph that changed after it was loaded or imports one that did. */
function reload(filename: string, source: string): NodeModule {
  const cached = moduleGraph(source)
    .graph.files.map((file) => require.cache[file])
    .filter((m): m is NodeModule => m !== undefined);
  const drop = new Set(cached.filter((m) => modifiedAfter(moduleSource(m), loadedAt(m))));
  const entry = require.cache[filename];
  if (entry !== undefined) drop.add(entry);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of cached) {
      if (drop.has(m) || !(m.children ?? []).some((c) => drop.has(c))) continue;
      drop.add(m);
      grew = true;
    }
  }
  for (const m of drop) delete require.cache[m.filename ?? m.id];
  ensureTypeScriptLoader(filename);
  require(filename);
  return require.cache[filename] as NodeModule;
}

function exportOf(stageId: string, mod: NodeModule, origin: FunctionOrigin, root: string): StageFn {
  const exports = mod.exports as Record<string, unknown> | undefined;
  const value = origin.exportName === 'default' && typeof exports === 'function' ? exports : exports?.[origin.exportName];
  if (typeof value !== 'function') {
    const name = partPath(origin.file, root);
    const remedy = `export a function \`${origin.exportName}\` from \`${name}\` again, or point the stage at the function that replaced it`;
    throw new DagbookError(
      'STAGE_CODE_STALE',
      `Stage \`${stageId}\`: \`${name}\` was loaded again after it changed, and no longer exports a function \`${origin.exportName}\`: export it again, or point the stage at the function that replaced it`,
      { stageId, errorClass: 'persistent', data: { file: origin.file, exportName: origin.exportName, remedy } },
    );
  }
  rememberOrigin(value, { module: mod, file: origin.file, exportName: origin.exportName });
  return value as StageFn;
}

/** The first file of `source`'s module graph modified after `mod` was loaded, if any. */
function changedSinceLoad(source: string, mod: NodeModule, stats?: FileStats): string | undefined {
  const since = loadedAt(mod);
  return moduleGraph(source, stats).graph.files.find((file) => modifiedAfter(file, since, stats));
}

function changedSinceStart(source: string, stats?: FileStats): boolean {
  return moduleGraph(source, stats).graph.files.some((file) => modifiedAfter(file, PROCESS_START_MS, stats));
}

/** The module of `source` loaded last (a tslab module is loaded again, as a new module, when a cell imports it again). */
function newestLoad(source: string): NodeModule | undefined {
  let newest: NodeModule | undefined;
  const twin = source.replace(/\.tsx?$/, '.js');
  for (const mod of loadedModules()) {
    const filename = mod.filename ?? mod.id;
    if ((filename !== source && filename !== twin) || moduleSource(mod) !== source) continue;
    if (newest === undefined || loadedAt(mod) >= loadedAt(newest)) newest = mod;
  }
  return newest;
}

/**
 * The refusal, with what to do: tslab loads a changed file again when a cell
 * imports it after it noticed the change, but keeps the modules that import
 * it as they were, so a changed helper needs a new kernel.
 */
function staleError(stageId: string, changed: string, module: string, root: string, alsoRun: string): DagbookError {
  const name = partPath(module, root);
  const todo =
    changed === module
      ? `run the cell that imports \`${name}\` ${alsoRun}again, or restart the kernel`
      : `restart the kernel (the notebook loads \`${partPath(changed, root)}\` again, but not \`${name}\`, which imports it)`;
  return new DagbookError(
    'STAGE_CODE_STALE',
    `Stage \`${stageId}\` would run code loaded before \`${partPath(changed, root)}\` changed, and only the notebook can load it again: ${todo}`,
    { stageId, errorClass: 'persistent', data: { file: changed, module, remedy: todo } },
  );
}
