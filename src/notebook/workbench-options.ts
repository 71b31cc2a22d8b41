import { systemClock, type Clock } from '../clock';
import type { ExecutorOptions } from '../definition/types';
import type { SecretMode } from '../definition/secret-variables';
import type { NextStepTarget } from '../display/next-step';
import type { TextSink } from '../display/notebook-display';
import type { EventListener } from '../events/event';
import type { CacheOptions } from '../store/cache-policy';

/** Options of `openWorkbench`. */
export interface WorkbenchOptions {
  /** State folder. @default `$DAGBOOK_STATE_DIR`, else `state/` in the nearest folder above the working directory holding a package.json */
  readonly stateDir?: string;
  /** Folder that declared input files are relative to. @default the pipeline file's folder, else the working directory */
  readonly baseDir?: string;
  /** Replaces the pipeline's own `executor` (a stage's own still applies), e.g. from `dagbook run --executor bullmq`. @default the pipeline's */
  readonly executor?: ExecutorOptions;
  /**
   * The environment whose overlay is merged over the definition (`prod`):
   * inline `environments.<env>`, then a `<file>.<env>.yaml` beside a pipeline file.
   * @default `$DAGBOOK_ENV` when the pipeline declares environments, else none
   */
  readonly env?: string;
  /**
   * What a pipeline file's secrets need: `values` (their variables set, else `SECRET_MISSING` on opening), or
   * `names`, enough to show the plan and the state; a run then refuses to start with `SECRET_MISSING` while a
   * variable is unset. @default 'values'
   */
  readonly secrets?: SecretMode;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Where plain text goes outside a notebook. @default stdout */
  readonly sink?: TextSink;
  /** Render nothing (calls still return their data). @default false */
  readonly quiet?: boolean;
  /** Minimum interval between live progress updates, ms. @default 100 */
  readonly refreshMs?: number;
  /** Outside a notebook, print a line per notable event while running. @default true */
  readonly eventLines?: boolean;
  /** Extra subscribers to every run's events (e.g. a terminal progress bar). @default [] */
  readonly listeners?: readonly EventListener[];
  /** How much cache history the store keeps. @default { maxEntriesPerStage: 10, maxAgeDays: 90 } */
  readonly cache?: CacheOptions;
  /** Where an error analysis's next step is taken: a notebook call, or a CLI command. @default { kind: 'notebook' } */
  readonly nextStepTarget?: NextStepTarget;
}

/**
 * {@link WorkbenchOptions} with every default filled in (the folders are
 * resolved by `openWorkbench`, the one place that reads the environment).
 * `sink` and `cache` stay optional: their defaults belong to the display and
 * the store.
 */
export interface ResolvedWorkbenchOptions extends Required<Omit<WorkbenchOptions, 'sink' | 'cache' | 'executor' | 'env' | 'secrets'>> {
  /** Where plain text goes outside a notebook; stdout when undefined. */
  readonly sink: TextSink | undefined;
  /** How much cache history the store keeps; the store's default when undefined. */
  readonly cache: CacheOptions | undefined;
}

/** Fills in the defaults of `options`, once. */
export function resolveWorkbenchOptions(options: WorkbenchOptions & { readonly stateDir: string; readonly baseDir: string }): ResolvedWorkbenchOptions {
  return {
    stateDir: options.stateDir,
    baseDir: options.baseDir,
    clock: options.clock ?? systemClock,
    sink: options.sink,
    quiet: options.quiet ?? false,
    refreshMs: options.refreshMs ?? 100,
    eventLines: options.eventLines ?? true,
    listeners: options.listeners ?? [],
    cache: options.cache,
    nextStepTarget: options.nextStepTarget ?? { kind: 'notebook' },
  };
}
