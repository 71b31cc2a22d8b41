import * as fs from 'node:fs';
import { statFile, type FileStats } from './file-state';
import { Module } from 'node:module';

/**
 * The CommonJS modules loaded in this process, and when each was loaded.
 *
 * Loaded modules: everything in `require.cache`, plus every module reachable
 * from those through `module.children`. The second part matters in a tslab
 * kernel: tslab compiles the local `.ts` files a cell imports itself and
 * loads each with `new Module(filename, parent)` + `_compile`, keeping them
 * in its own map rather than `require.cache`; Node's `Module` constructor
 * still pushes the new module into its parent's `children` (the parent is
 * tslab's executor module, which is in `require.cache`). tslab names such a
 * module by the `.js` twin of its source (`stages.ts` loads as `stages.js`,
 * a file that does not exist): {@link sourceFile} maps it back.
 *
 * Load times: a wrapper around `Module.prototype._compile`, installed when
 * this module is first loaded (i.e. when dagbook loads), records
 * `Date.now()` for each module compiled from then on. Both Node's loader and
 * the TypeScript loaders (tsx's require hook, tslab) read a file just before
 * they call `_compile`, so the time is when the module's code was read. A
 * hook rather than file stamps taken when a function is first located,
 * because a file can change between its load and the compile that first
 * sees it (an edit before `wb.plan()`), and stamps taken then would call the
 * old code current. The time is wall-clock time, not an injected clock,
 * because it is compared with file modification times, which the filesystem
 * takes from that clock. Modules compiled before the hook (loaded before
 * dagbook) have no load time: {@link loadedAt} gives the process start for
 * them, which can only call their code older than it is, never newer.
 */

type CompiledModule = NodeModule & { _compile(content: string, filename: string): unknown };

interface LoadClock {
  readonly times: WeakMap<object, number>;
}

/** Shared by every copy of this module (a notebook may load dagbook twice), so one hook records for all. */
const CLOCK_KEY = Symbol.for('dagbook.moduleLoadTimes');

function loadClock(): LoadClock {
  const holder = globalThis as unknown as Record<symbol, LoadClock | undefined>;
  const existing = holder[CLOCK_KEY];
  if (existing !== undefined) return existing;
  const clock: LoadClock = { times: new WeakMap() };
  holder[CLOCK_KEY] = clock;
  const prototype = (Module as unknown as { prototype: CompiledModule }).prototype;
  const compile = prototype._compile;
  prototype._compile = function (this: CompiledModule, content: string, filename: string) {
    clock.times.set(this, Date.now());
    return compile.call(this, content, filename);
  };
  return clock;
}

const clock = loadClock();

/** Process start, in ms since the epoch: the load time assumed for a module compiled before dagbook loaded. */
export const PROCESS_START_MS = Math.floor(performance.timeOrigin);

/** When `mod`'s code was read, ms since the epoch (floored); the process start when it was compiled before dagbook loaded. */
export function loadedAt(mod: object): number {
  return clock.times.get(mod) ?? PROCESS_START_MS;
}

/** True when `file` was modified after `sinceMs` (a {@link loadedAt} time) by at least a millisecond, so a write in the same millisecond as a load is not a change. */
export function modifiedAfter(file: string, sinceMs: number, stats?: FileStats): boolean {
  const stat = statFile(file, stats);
  return stat === undefined || Math.floor(stat.mtimeMs) > sinceMs;
}

/** Every module in `cache` and every module reachable from those through `children`, each once. */
export function loadedModules(cache: NodeJS.Dict<NodeModule> = require.cache): NodeModule[] {
  const seen = new Set<NodeModule>();
  const pending: NodeModule[] = [];
  for (const mod of Object.values(cache)) {
    if (mod !== undefined && !seen.has(mod)) {
      seen.add(mod);
      pending.push(mod);
    }
  }
  while (pending.length > 0) {
    const mod = pending.pop() as NodeModule;
    for (const child of mod.children ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      pending.push(child);
    }
  }
  return [...seen];
}

/** True when `file` lies inside a `node_modules` folder (a package: tracked by version, not by file). */
export function isPackageFile(file: string): boolean {
  return file.includes('/node_modules/') || file.includes('\\node_modules\\');
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx'];

/**
 * The source file a module was compiled from: its filename, or for a `.js`
 * name that names no file (tslab's modules) the `.ts`/`.tsx` file beside it;
 * the filename itself when neither exists.
 */
export function sourceFile(filename: string): string {
  if (!filename.endsWith('.js') || fs.existsSync(filename)) return filename;
  const stem = filename.slice(0, -'.js'.length);
  return SOURCE_EXTENSIONS.map((e) => stem + e).find((f) => fs.existsSync(f)) ?? filename;
}

/** The file a loaded module was compiled from (see {@link sourceFile}). */
export function moduleSource(mod: NodeModule): string {
  return sourceFile(mod.filename ?? mod.id);
}
