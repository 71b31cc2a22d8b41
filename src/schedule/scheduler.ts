import { criticalPathLengths } from './critical-path';
import { PriorityQueue } from '../graph/priority-queue';

/**
 * The scheduler's pure core: which selected stages are ready, in what order,
 * and what a failure blocks. It knows nothing of running, time or storage;
 * the run loop asks it what to start and tells it what finished.
 *
 * Deps outside the selection count as satisfied (their outputs come from the
 * store). Among ready stages the longest critical path goes first; ties keep
 * plan order.
 */

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  /** Stages to schedule, in plan (topological) order. */
  readonly stages: readonly string[];
  /** Deps of every stage (stages outside `stages` are ignored). */
  readonly deps: Readonly<Record<string, readonly string[]>>;
  /** Known durations by stage, ms, for critical-path priority. @default {} */
  readonly durations?: Readonly<Record<string, number>>;
}

interface Entry {
  readonly id: string;
  readonly priority: number;
  readonly index: number;
}

type StageState = 'waiting' | 'ready' | 'running' | 'settled';

/** See the module comment. */
export class Scheduler {
  private readonly stages: readonly string[];
  private readonly state = new Map<string, StageState>();
  private readonly waitingOn = new Map<string, number>();
  private readonly dependents = new Map<string, string[]>();
  private readonly priority: Record<string, number>;
  private readonly index = new Map<string, number>();
  private readonly queue = new PriorityQueue<Entry>((a, b) => a.priority > b.priority || (a.priority === b.priority && a.index < b.index));
  private running = 0;
  private settledCount = 0;

  constructor(options: SchedulerOptions) {
    this.stages = options.stages;
    const dependents: Record<string, string[]> = {};
    options.stages.forEach((id, i) => {
      this.index.set(id, i);
      this.state.set(id, 'waiting');
      dependents[id] = [];
    });
    for (const id of options.stages) {
      let count = 0;
      for (const dep of options.deps[id] ?? []) {
        if (!this.state.has(dep)) continue;
        count++;
        dependents[dep].push(id);
      }
      this.waitingOn.set(id, count);
    }
    for (const [id, list] of Object.entries(dependents)) this.dependents.set(id, list);
    this.priority = criticalPathLengths({ order: options.stages, dependents, durations: options.durations });
    for (const id of options.stages) if (this.waitingOn.get(id) === 0) this.enqueue(id);
  }

  private enqueue(id: string): void {
    this.state.set(id, 'ready');
    this.queue.push({ id, priority: this.priority[id], index: this.index.get(id) as number });
  }

  /** Stages ready to start. */
  get readyCount(): number {
    return this.queue.size;
  }

  /** Stages started and not yet finished. */
  get runningCount(): number {
    return this.running;
  }

  /** Takes the highest-priority ready stage, marking it running; undefined when none is ready. */
  next(): string | undefined {
    for (;;) {
      const entry = this.queue.pop();
      if (!entry) return undefined;
      if (this.state.get(entry.id) !== 'ready') continue;
      this.state.set(entry.id, 'running');
      this.running++;
      return entry.id;
    }
  }

  /** Marks a running stage done; its dependents whose deps are all done become ready. */
  succeeded(id: string): void {
    this.settle(id);
    for (const next of this.dependents.get(id) ?? []) {
      const left = (this.waitingOn.get(next) as number) - 1;
      this.waitingOn.set(next, left);
      if (left === 0 && this.state.get(next) === 'waiting') this.enqueue(next);
    }
  }

  /**
   * Marks a running stage failed; returns its transitive dependents that can
   * no longer run, in plan order. They are settled too.
   */
  failed(id: string): string[] {
    this.settle(id);
    const blocked: string[] = [];
    const stack = [...(this.dependents.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (this.state.get(next) === 'settled' || this.state.get(next) === 'running') continue;
      this.markSettled(next);
      blocked.push(next);
      stack.push(...(this.dependents.get(next) ?? []));
    }
    return this.inPlanOrder(blocked);
  }

  /** Settles every stage that has not started; returns them in plan order. */
  drainUnstarted(): string[] {
    const left = this.stages.filter((id) => {
      const state = this.state.get(id);
      return state === 'waiting' || state === 'ready';
    });
    for (const id of left) this.markSettled(id);
    // Drop their queue entries too, so `readyCount` reads 0 afterwards.
    this.queue.drain();
    return left;
  }

  /** True when no stage is waiting, ready or running. */
  get finished(): boolean {
    return this.settledCount === this.stages.length;
  }

  private settle(id: string): void {
    if (this.state.get(id) === 'running') this.running--;
    this.markSettled(id);
  }

  private markSettled(id: string): void {
    if (this.state.get(id) !== 'settled') this.settledCount++;
    this.state.set(id, 'settled');
  }

  private inPlanOrder(ids: string[]): string[] {
    return ids.sort((a, b) => (this.index.get(a) as number) - (this.index.get(b) as number));
  }
}
