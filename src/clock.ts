import { DagbookError } from './errors';

/**
 * Time as the orchestrator sees it. Injected wherever behaviour depends on
 * time, so policy tests use {@link ManualClock} and assert exact delays.
 */
export interface Clock {
  /** Wall-clock time in milliseconds since the epoch. */
  now(): number;
  /** A monotonic time in milliseconds, for durations. */
  monotonic(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DagbookError('RUN_CANCELLED', 'aborted');
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` wakes sleepers in time
 * order and lets their continuations run before moving on, so code under test
 * sees time pass exactly as it would with the real clock.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  /** Every delay passed to `sleep`, in call order: what tests assert on. */
  readonly sleeps: number[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  monotonic(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const sleeper: Sleeper = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Number of pending sleeps. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flushMicrotasks();
    for (;;) {
      const due = this.sleepers
        .filter((s) => s.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.time = Math.max(this.time, due.at);
      due.resolve();
      await flushMicrotasks();
    }
    this.time = target;
    await flushMicrotasks();
  }

  /** Advances to the next pending sleeper's wake time; returns false when none. */
  async advanceToNext(): Promise<boolean> {
    await flushMicrotasks();
    if (this.sleepers.length === 0) return false;
    const next = Math.min(...this.sleepers.map((s) => s.at));
    await this.advance(Math.max(0, next - this.time));
    return true;
  }

  /** Advances sleeper by sleeper until `done` settles; returns its value. */
  async runUntil<T>(done: Promise<T>, maxSteps = 10_000): Promise<T> {
    let settled = false;
    const watched = done.finally(() => {
      settled = true;
    });
    for (let i = 0; i < maxSteps && !settled; i++) {
      // Let pending I/O callbacks (store writes) run first, so time only moves
      // once the code under test is really waiting on the clock.
      await new Promise((r) => setImmediate(r));
      if (settled) break;
      await this.advanceToNext();
    }
    return watched;
  }
}

/** Lets pending promise continuations run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
