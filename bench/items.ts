import type { Item } from '../src/definition/types';
import { median, removeDir, round3, tempStateDir } from './harness';
// The built library (`library.ts`): through tsx, `src/` pays the keep-names helper on every closure the executor
// makes per item (about 40% more time here).
import { compilePipeline, openDurableStore, runPipeline } from './library';

/**
 * Per-item stages at scale, on the durable store: 100,000 items (distinct
 * ids and hashes) through one per-item stage that returns a distinct small
 * output per item (so every item record carries its own output), from a
 * fresh state folder — every item runs and is journaled; then the same
 * items with 1% of their hashes changed — the discovery runs, 99,000 items
 * keep their outputs, 1,000 run. Medians of `repeats` fresh state folders.
 * It runs the built library, as users do (see the imports).
 */

/** Figures of {@link benchItems}. */
export interface ItemFigures {
  /** Items through the stage per second, first run (every item runs), median. */
  readonly itemsPerSecond: number;
  /** The first run, ms, median. */
  readonly firstRunMs: number;
  /** The re-run with 1% of the items changed, ms, median. */
  readonly incrementalRunMs: number;
}

const ITEMS = 100_000;

function items(changedEvery: number | undefined): Item[] {
  return Array.from({ length: ITEMS }, (_, i) => ({
    id: `doc-${String(i).padStart(6, '0')}`,
    hash: `${i.toString(16)}${changedEvery !== undefined && i % changedEvery === 0 ? '-v2' : ''}`,
    payload: { n: i },
  }));
}

async function once(): Promise<{ firstMs: number; incrementalMs: number }> {
  let current = items(undefined);
  const compiled = compilePipeline({
    name: 'items',
    stages: [
      { id: 'discover', discovery: true, run: () => current },
      { id: 'work', forEach: 'discover', concurrency: 64, run: (ctx) => ({ id: ctx.item?.id, n: (ctx.item?.payload as { n: number }).n }) },
    ],
  });
  const dir = tempStateDir();
  const store = await openDurableStore({ stateDir: dir, pipeline: 'items' });
  try {
    let started = performance.now();
    const first = await runPipeline(compiled, { store });
    const firstMs = performance.now() - started;
    if (first.status !== 'SUCCEEDED' || first.stages.work.items?.succeeded !== ITEMS) throw new Error(`first run: ${first.status} ${JSON.stringify(first.stages.work.items)}`);
    current = items(100);
    started = performance.now();
    const second = await runPipeline(compiled, { store });
    const incrementalMs = performance.now() - started;
    if (second.stages.work.items?.succeeded !== ITEMS / 100) throw new Error(`incremental run: ${JSON.stringify(second.stages.work.items)}`);
    return { firstMs, incrementalMs };
  } finally {
    await store.close();
    removeDir(dir);
  }
}

/** Runs the item benchmark. */
export async function benchItems(repeats = 3, log: (line: string) => void = () => {}): Promise<ItemFigures> {
  const first: number[] = [];
  const incremental: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const r = await once();
    first.push(r.firstMs);
    incremental.push(r.incrementalMs);
  }
  const firstRunMs = round3(median(first));
  const figures = { firstRunMs, itemsPerSecond: Math.round(ITEMS / (firstRunMs / 1000)), incrementalRunMs: round3(median(incremental)) };
  log(`  100,000 items through one per-item stage, durable item records: ${figures.firstRunMs} ms, ${figures.itemsPerSecond} items/s (median of ${repeats})`);
  log(`  the same with 1% of the items changed: ${figures.incrementalRunMs} ms`);
  return figures;
}

if (require.main === module) {
  void benchItems(Number(process.env.BENCH_REPEATS ?? 3), console.log);
}
