/**
 * Users' stage modules may be TypeScript (`fn: ./stages.ts#load`), while
 * dagbook itself runs as compiled JavaScript, in plain Node as in a kernel.
 * Before such a module is loaded with `require`, a require hook for `.ts`
 * must be in place: tsx's, registered here the first time a TypeScript file
 * is about to load, and only when none is registered yet (a process started
 * with `--require tsx/cjs`, or ts-node, keeps its own). Registering costs
 * ~30 ms, so a pipeline of JavaScript modules never pays for it.
 */

const TYPESCRIPT_FILE = /\.(ts|tsx|mts|cts)$/;

/** Registers tsx's require hook when `file` is TypeScript and no hook for `.ts` is registered. */
export function ensureTypeScriptLoader(file: string): void {
  // `require.extensions` is deprecated but still the registry of require hooks: the way to ask whether one is in place.
  if (!TYPESCRIPT_FILE.test(file) || require.extensions['.ts'] !== undefined) return;
  require('tsx/cjs');
}
