import { checkItemOptions, type ItemRunOptions } from './item-options';
import type { Clock } from '../clock';
import type { FailurePolicy } from '../definition/types';
import { DagbookError } from '../errors';
import type { EventListener } from '../events/event';
import { MAX_NAME_LENGTH, SAFE_NAME_PATTERN } from '../limits';
import type { Plan } from '../plan/plan';
import type { SelectionOptions } from '../plan/select';
import type { RandomSource } from '../random';
import type { CellEditKind } from '../records';
import type { RunStore } from '../store/run-store';
import type { ServiceSupervisor } from '../service/supervisor';

/**
 * The options of a run, and their check at the boundary: the library API
 * (`runPipeline`, `startRun`, the workbench's `wb.run`) is checked here once,
 * as the CLI's numbers are by its parsers, so that `maxParallel: -1` is
 * refused before anything runs instead of blocking every stage. Every problem
 * is reported together in one `INVALID_OPTION` naming each field and value
 * (``Expected `maxParallel` to be an integer >= 1, got `-1` ``); the run then
 * works with the resolved values and trusts them.
 */

/** Options of `startRun` and `runPipeline`. */
export interface RunOptions {
  /** How the items of per-item stages are chosen: incremental (default), full, a test sample, by id, failed ones. */
  readonly items?: ItemRunOptions;
  /** Where records, outputs and caches go. @default a new MemoryStore */
  readonly store?: RunStore;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Jitter source. @default Math.random */
  readonly random?: RandomSource;
  /** Id of a new run (a safe path segment: letters, digits, `.`, `_`, `-`). @default generated from the time */
  readonly runId?: string;
  /** Resume this run: completed stages are kept, the rest run (an interrupted stage with its same idempotency key and attempt number). */
  readonly resume?: string;
  /** Which stages. @default all */
  readonly selection?: SelectionOptions;
  /** Re-run regardless of cache: `true` for every selected stage, or these stage ids. @default false */
  readonly force?: boolean | readonly string[];
  /** Restore up-to-date stages from cache. @default true */
  readonly cache?: boolean;
  /** Overrides the plan's `maxParallel`: stages running at once, an integer >= 1. */
  readonly maxParallel?: number;
  /** Overrides the plan's failure policy. */
  readonly failurePolicy?: FailurePolicy;
  /** Cancels the run when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Drains the run when aborted: no new stage or item starts, those running go on to their end (and are recorded),
   * and the run ends CANCELLED with the signal's reason. Aborting `signal` later stops the running ones too.
   */
  readonly drain?: AbortSignal;
  /** How often the run looks for a cancel request from another process (a durable store's `runs/<id>/cancel`), ms. @default 500 */
  readonly cancelPollMs?: number;
  /**
   * Times those looks. @default the system clock: another process asks in real time, and a run on a manual clock
   * (a test's) is not to be moved on by them.
   */
  readonly cancelPollClock?: Clock;
  /** Subscribed before the first event. @default [] */
  readonly listeners?: readonly EventListener[];
  /** Folder that declared input files are relative to. @default process.cwd() */
  readonly baseDir?: string;
  /** Stages whose definitions notebook cells edited, and how: recorded on their stage records. @default {} */
  readonly editedInCell?: Readonly<Record<string, readonly CellEditKind[]>>;
  /** Starts and keeps the services of service stages. @default this process's supervisor (`processSupervisor()`) */
  readonly supervisor?: ServiceSupervisor;
}

/** The run's settings once checked, overrides applied over the plan's. */
export interface ResolvedRunOptions {
  /** The checked item options. */
  readonly items: ItemRunOptions;
  /** Stages running at once, at most. */
  readonly maxParallel: number;
  /** What a stage failure does to the rest of the run. */
  readonly failurePolicy: FailurePolicy;
}

const FAILURE_POLICIES: readonly FailurePolicy[] = ['fail-fast', 'keep-going'];

/** One option that was refused. */
interface Problem {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
}

/**
 * Checks a run's options and resolves them over the plan's settings.
 * @throws DagbookError `INVALID_OPTION` naming every refused field and its value
 */
export function resolveRunOptions(options: RunOptions, plan: Pick<Plan, 'maxParallel' | 'failurePolicy'>): ResolvedRunOptions {
  const problems: Problem[] = [];
  const check = (field: keyof RunOptions, expected: string, ok: (value: unknown) => boolean): void => {
    const value = options[field];
    if (value !== undefined && !ok(value)) problems.push({ field, value, expected });
  };
  check('maxParallel', 'an integer >= 1', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1);
  check('failurePolicy', FAILURE_POLICIES.map((p) => `\`${p}\``).join(' or '), (v) => FAILURE_POLICIES.includes(v as FailurePolicy));
  check('cache', 'a boolean', (v) => typeof v === 'boolean');
  check('cancelPollMs', 'an integer >= 1', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1);
  check('force', 'a boolean or an array of stage ids', (v) => typeof v === 'boolean' || (Array.isArray(v) && v.every((id) => typeof id === 'string')));
  const safeName = `letters, digits, '.', '_' or '-' (not starting with '.' or '-', at most ${MAX_NAME_LENGTH})`;
  const isSafeName = (v: unknown) => typeof v === 'string' && SAFE_NAME_PATTERN.test(v) && v.length <= MAX_NAME_LENGTH;
  check('runId', safeName, isSafeName);
  check('resume', safeName, isSafeName);
  check('baseDir', 'a non-empty string', (v) => typeof v === 'string' && v !== '');
  check('editedInCell', "an object of stage ids to arrays of 'stage' or 'params'", (v) => isCellEdits(v));
  if (problems.length > 0) {
    throw new DagbookError('INVALID_OPTION', problems.map((p) => `Expected \`${p.field}\` to be ${p.expected}, got \`${shown(p.value)}\``).join('; '), {
      errorClass: 'logic',
      data: { problems: problems.map(({ field, value }) => ({ field, value: shown(value) })) },
    });
  }
  return {
    maxParallel: options.maxParallel ?? plan.maxParallel,
    failurePolicy: options.failurePolicy ?? plan.failurePolicy,
    items: checkItemOptions(options.items),
  };
}

/** Whether `value` maps stage ids to arrays of edit kinds. */
function isCellEdits(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((kinds) => Array.isArray(kinds) && kinds.every((k) => k === 'stage' || k === 'params'));
}

/** A refused value as the message quotes it. */
function shown(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}
