import { ManualClock } from '../../src/clock';
import type { StageContext, StageFn } from '../../src/definition/types';
import type { PipelineEvent } from '../../src/events/event';
import type { CompiledPipeline } from '../../src/plan/plan';
import { seededRandom } from '../../src/random';
import { startRun, type RunHandle, type RunOptions, type RunResult } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

/** 2024-12-02T10:30:45.000Z */
export const T0 = Date.UTC(2024, 11, 2, 10, 30, 45);

/** A run under test: its clock, store, handle and every event it emitted. */
export interface RunUnderTest {
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  readonly handle: RunHandle;
  readonly events: PipelineEvent[];
  /** Drives the manual clock until the run ends (see {@link drive}). */
  finish(): Promise<RunResult>;
}

/** Test defaults of a run: a manual clock at T0, seed 7, a fresh MemoryStore, run id `run-1`. */
export interface TestRunOptions extends RunOptions {
  readonly clock?: ManualClock;
  readonly store?: MemoryStore;
}

/** Starts a run with test defaults and records its events from the first one. */
export function begin(compiled: CompiledPipeline, options: TestRunOptions = {}): RunUnderTest {
  const clock = options.clock ?? new ManualClock(T0);
  const store = options.store ?? new MemoryStore();
  const events: PipelineEvent[] = [];
  const handle = startRun(compiled, {
    random: seededRandom(7),
    ...(options.resume === undefined ? { runId: 'run-1' } : {}),
    ...options,
    clock,
    store,
    listeners: [...(options.listeners ?? []), (e) => events.push(e)],
  });
  return { clock, store, handle, events, finish: () => drive(clock, handle.result) };
}

/**
 * Like `clock.runUntil(done)`, but lets every pending continuation run (a
 * macrotask turn drains the whole microtask queue) before moving time on:
 * the run loop's store writes take more promise hops than `runUntil`'s fixed
 * number of microtask rounds, and time must not pass while the loop is busy.
 */
export async function drive<T>(clock: ManualClock, done: Promise<T>, maxSteps = 100_000): Promise<T> {
  let settled = false;
  const watched = done.finally(() => {
    settled = true;
  });
  for (let i = 0; i < maxSteps && !settled; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!settled && clock.pending > 0) await clock.advanceToNext();
  }
  return watched;
}

/** Runs to the end with test defaults. */
export async function runToEnd(compiled: CompiledPipeline, options: TestRunOptions = {}): Promise<RunUnderTest & { result: RunResult }> {
  const started = begin(compiled, options);
  const result = await started.finish();
  return { ...started, result };
}

/** Events as `[type, stageId]` pairs (`stageId` left out for run events). */
export function trail(events: readonly PipelineEvent[]): string[][] {
  return events.map((e) => (e.stageId === undefined ? [e.type] : [e.type, e.stageId]));
}

/** Each stage's status and reason, in the order given. */
export function outcomes(result: RunResult, ids: readonly string[]): string[][] {
  return ids.map((id) => [id, result.stages[id]?.status ?? 'MISSING', result.stages[id]?.reason ?? '']);
}

/** What a {@link Timeline} records: `start`/`end` of a stage at a clock time. */
export type Mark = readonly [at: number, what: 'start' | 'end', stageId: string];

/** Records when stages start and end, relative to T0. */
export class Timeline {
  readonly marks: Mark[] = [];
  private live = 0;
  /** Most stages ever running at once. */
  peak = 0;

  /** A stage that sleeps `ms` on the run's clock (honouring its signal), then returns `value`. */
  stage(ms: number, value: unknown = null): StageFn {
    return async (ctx: StageContext) => {
      this.mark(ctx, 'start');
      try {
        if (ms > 0) await ctx.clock.sleep(ms, ctx.signal);
      } finally {
        this.mark(ctx, 'end');
      }
      return value;
    };
  }

  /** Stage ids in start order. */
  get starts(): string[] {
    return this.marks.filter((m) => m[1] === 'start').map((m) => m[2]);
  }

  /** Records a start or an end of `ctx`'s stage now. */
  mark(ctx: StageContext, what: 'start' | 'end'): void {
    this.marks.push([ctx.clock.now() - T0, what, ctx.stageId]);
    this.live += what === 'start' ? 1 : -1;
    this.peak = Math.max(this.peak, this.live);
  }
}
