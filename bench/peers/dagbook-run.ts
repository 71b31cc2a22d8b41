import type { StageDefinition } from '../../src/definition/types';
import { compilePipeline, MemoryStore, openDurableStore, runPipeline } from '../library';
import type { RunStore } from '../../src/store/run-store';
import { chain, fanout, noop } from '../harness';
import { parseWorkloadArgs, type PeerLine } from './peer-line';

/**
 * dagbook's side of `npm run bench:peers`, run in its own process like each
 * peer: `tsx bench/peers/dagbook-run.ts --shape chain|fanout --n N --state DIR --mode durable|memory`.
 * Every stage is a no-op, as in the peers' scripts. A warm-up run of a
 * 200-stage pipeline of the same shape and its fully cached re-run first
 * (lazy loading and the JIT of both paths, not counted; every peer script
 * warms up the same way), then the timed run and the timed fully cached
 * re-run, each around `runPipeline` only.
 * `durable` is the real durable store in DIR; `memory` the MemoryStore.
 * Prints one JSON line.
 */

/** Tasks of the warm-up run: `WARMUP_TASKS` of `peer_common.py`. */
const WARMUP_STAGES = 200;

async function openStore(mode: string, stateDir: string, pipeline: string): Promise<RunStore> {
  return mode === 'durable' ? openDurableStore({ stateDir, pipeline }) : new MemoryStore();
}

async function timedRun(stages: StageDefinition[], store: RunStore, name: string): Promise<{ ms: number; counts: Record<string, number> }> {
  const compiled = compilePipeline({ name, stages });
  const started = performance.now();
  const result = await runPipeline(compiled, { store });
  const ms = performance.now() - started;
  const counts: Record<string, number> = {};
  for (const record of Object.values(result.stages)) counts[record.status] = (counts[record.status] ?? 0) + 1;
  return { ms, counts };
}

function expectAll(counts: Record<string, number>, status: string, n: number, what: string): void {
  if (counts[status] !== n) throw new Error(`Expected the ${what} to end with ${n} stages ${status}, got ${JSON.stringify(counts)}`);
}

async function main(): Promise<void> {
  const args = parseWorkloadArgs(process.argv.slice(2), ['durable', 'memory']);
  const shape = (n: number) => (args.shape === 'chain' ? chain : fanout)(n, noop);
  const warmupStore = await openStore(args.mode, args.state, 'warmup');
  try {
    expectAll((await timedRun(shape(WARMUP_STAGES), warmupStore, 'warmup')).counts, 'SUCCEEDED', WARMUP_STAGES, 'warm-up run');
    expectAll((await timedRun(shape(WARMUP_STAGES), warmupStore, 'warmup')).counts, 'CACHED', WARMUP_STAGES, "warm-up's re-run");
  } finally {
    await warmupStore.close();
  }
  const name = `${args.shape}-${args.n}`;
  const store = await openStore(args.mode, args.state, name);
  try {
    const first = await timedRun(shape(args.n), store, name);
    expectAll(first.counts, 'SUCCEEDED', args.n, 'run');
    const cached = await timedRun(shape(args.n), store, name);
    expectAll(cached.counts, 'CACHED', args.n, 'cached re-run');
    const line: PeerLine = {
      system: 'dagbook',
      mode: args.mode,
      shape: args.shape,
      n: args.n,
      runMs: first.ms,
      cachedMs: cached.ms,
      durable: args.mode === 'durable',
      note: '',
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
