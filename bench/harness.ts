import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StageDefinition } from '../src/definition/types';

/** Shared helpers of the benchmarks: temp state folders, timing, medians, pipeline shapes. */

/** A fresh state folder on the real filesystem (the OS temp dir). */
export function tempStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-bench-'));
}

/** Removes a folder made by {@link tempStateDir}. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of `work` in ms (monotonic). */
export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Wall time of synchronous `work` in ms (monotonic). */
export function timeSyncMs(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

/** Rounds to 3 decimals for printing. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** A stage body. */
export type Body = StageDefinition['run'];

/** A no-op stage body: returns nothing, does nothing. */
export const noop: Body = () => undefined;

/**
 * A stage body that does no work but returns a distinct ~1 KB output, as a
 * real stage's summary would look (a few figures and 16 rows), so that
 * every stage stores its own output: outputs are content-addressed, and a
 * benchmark whose stages all return the same value stores it only once.
 */
export const rowsOutput: Body = (ctx) => ({
  stage: ctx.stageId,
  run: ctx.runId,
  rowCount: 16,
  rows: Array.from({ length: 16 }, (_, i) => ({ id: `${ctx.stageId}-${i}`, name: `row ${i} of ${ctx.stageId}`, value: i * 1.5, ok: i % 3 !== 0 })),
});

/** `n` stages in a chain: s0 <- s1 <- ... */
export function chain(n: number, run: Body = rowsOutput): StageDefinition[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, deps: i === 0 ? [] : [`s${i - 1}`], run }));
}

/** `n` stages as a fan-out: one root and `n - 1` stages that each need only the root. */
export function fanout(n: number, run: Body = rowsOutput): StageDefinition[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, deps: i === 0 ? [] : ['s0'], run }));
}

/**
 * The disk's durable-append latency right now: median ms of appending one
 * line and fdatasyncing it, `count` times. Checkpoint figures are a few of
 * these per stage, so they move with it (other processes on the disk, etc.).
 */
export function fdatasyncProbeMs(count = 200): number {
  const dir = tempStateDir();
  const fd = fs.openSync(path.join(dir, 'probe.jsonl'), 'a');
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      fs.writeSync(fd, `{"probe":${i}}\n`);
      fs.fdatasyncSync(fd);
      samples.push(performance.now() - started);
    }
  } finally {
    fs.closeSync(fd);
    removeDir(dir);
  }
  return round3(median(samples));
}
