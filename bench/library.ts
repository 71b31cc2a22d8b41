/**
 * The library the benchmarks time: the built one (`dist/`, rebuilt here when
 * older than `src/`), which the CLI, the notebook kernel, `dagbook worker` and
 * a project's `require('dagbook')` run. Loaded through tsx, `src/` would pay
 * esbuild's keep-names helper on every closure made at run time (per stage,
 * per attempt, per item), a cost no user's run has. The types are `src/`'s.
 */
(require('../scripts/build.js') as { buildIfStale(): number | null }).buildIfStale();

export const { compilePipeline } = require('../dist/plan/compile') as typeof import('../src/plan/compile');
export const { runPipeline } = require('../dist/run/run-pipeline') as typeof import('../src/run/run-pipeline');
export const { openDurableStore } = require('../dist/store/durable-store') as typeof import('../src/store/durable-store');
export const { MemoryStore } = require('../dist/store/memory-store') as typeof import('../src/store/memory-store');
export const { openWorkbench } = require('../dist/notebook/workbench') as typeof import('../src/notebook/workbench');
export const { redisOptions } = require('../dist/execute/redis-connection') as typeof import('../src/execute/redis-connection');
