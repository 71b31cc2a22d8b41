import { setMaxListeners } from 'node:events';
import { sha256 } from '../canonical-json';
import { itemKey, itemKeyBase } from '../plan/item-key';
import type { Item, StageInputs } from '../definition/types';
import { DagbookError } from '../errors';
import type { Emit, EventType } from '../events/event';
import { noRedaction } from '../execute/redact';
import { executeStage, type StageOutcome } from '../execute/stage-executor';
import { checkItems } from '../items';
import type { StageDecision } from '../plan/decide';
import type { PlanStage } from '../plan/plan';
import type { ItemCounts, ItemRecord, StoredError } from '../records';
import { DEFAULT_ITEM_SAMPLE, sampleItems, type ItemRunOptions } from './item-options';
import { readItemOutput, storeItemOutput, type ItemManifest } from './item-outputs';
import { stateFolderValues } from '../store/shared-values';
import type { StageRunContext } from './stage-run';
import { serviceStageRun } from './service-stage-run';
import { itemServiceDownReason, stopDroppedItemServices } from './item-services';

/**
 * One turn of a per-item stage: the discovery stage's items, each run
 * through the stage executor (the stage's retry, timeout, breaker, budget
 * and validation, per item) with at most `concurrency` at once, each
 * journaled as it ends. An item whose cache key (the stage's code and
 * params, the item's hash, its upstream items' outputs) is the one its last
 * success had keeps that output and does not run (for a service stage: while
 * its service is up); items discovery no longer returns are dropped, with
 * their services (`item-services.ts`). The stage's output is its manifest (`item-outputs.ts`);
 * it ends SUCCEEDED, PARTIAL (some items failed, at most `maxFailureRate` of
 * them) or FAILED (`ITEMS_FAILED`).
 */

/** How a per-item stage's turn ended, for the run's record. */
export interface ItemStageOutcome {
  /** SUCCEEDED, PARTIAL, FAILED or CANCELLED. */
  readonly status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'CANCELLED';
  /** The manifest, when the stage ended SUCCEEDED or PARTIAL. */
  readonly manifest?: ItemManifest;
  /** How its items ended. */
  readonly counts: ItemCounts;
  /** Why it failed. */
  readonly error?: DagbookError;
  /** Budget usage of its items. */
  readonly usage: Record<string, number>;
  /** Attempts over all items. */
  readonly attempts: number;
  /** Items that ran on queue workers, by worker name (the worker of each item's last attempt); absent when none did. */
  readonly workers?: Record<string, number>;
}

/** Events a per-item stage's items do not emit one by one (100,000 items would flood the log): progress says it. */
const QUIET_ITEM_EVENTS: ReadonlySet<EventType> = new Set(['STEP_START', 'STEP_SUCCESS', 'STEP_RETRY', 'STEP_PROGRESS', 'STEP_FAILURE', 'RESOURCE_USAGE']);

/** Time between two `ITEMS_PROGRESS` events of a stage, ms. */
const PROGRESS_EVERY_MS = 250;

/** Runs the items of a per-item stage; never rejects for an item's failure. */
export async function runItems(run: StageRunContext, stage: PlanStage, decision: StageDecision, options: ItemRunOptions): Promise<ItemStageOutcome> {
  const { store, clock } = run;
  const forEach = stage.forEach as string;
  const items = checkItems(await run.inputs.output(forEach), forEach);
  const itemDeps = stage.itemDeps ?? [];
  const shared = await run.inputs.inputsOf({ ...stage, deps: stage.deps.filter((d) => d !== forEach && !itemDeps.includes(d)) });
  const upstream = await Promise.all(
    itemDeps.map(async (dep) => ({ dep, manifest: (await run.inputs.output(dep)) as ItemManifest, records: await store.readItemRecords(dep) })),
  );
  const journal = store.itemJournal(stage.id);
  const previous = await journal.load();
  const base = itemKeyBase(stage, decision.parts);

  const present = new Set(items.map((i) => i.id));
  const deleted = [...previous.keys()].filter((id) => !present.has(id));
  if (deleted.length > 0) journal.remove(deleted);
  // What a dropped item of a service stage deployed goes with it.
  if (deleted.length > 0) await stopDroppedItemServices(run, stage, deleted);

  // With no item options every item is judged incrementally: no per-item choice to make.
  const plain = options.mode !== 'full' && options.mode !== 'test' && options.only === undefined && (options.skip ?? []).length === 0 && options.retryFailed !== true;
  const chosen = plain ? undefined : chooser(items, options, previous);
  // The output each item keeps from an earlier run, by position in `items` (this run's outputs are added after).
  const kept: (string | undefined)[] = new Array(items.length);
  const failed: Record<string, { code: string; message: string }> = {};
  const blocked: Record<string, { code: string; message: string }> = {};
  const counts = { total: items.length, succeeded: 0, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: deleted.length };
  const toRun: { item: Item; key: string; upstreamHashes: string[] }[] = [];
  const noUpstream: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const last = previous.get(item.id);
    const upstreamHashes = upstream.length === 0 ? noUpstream : upstream.map((u) => u.manifest.outputs[item.id] ?? '');
    const key = itemKey(base, item.hash, upstreamHashes);
    const lastOutput = last !== undefined && last.status === 'SUCCEEDED' ? last.outputHash : undefined;
    const choice = chosen === undefined ? 'incremental' : chosen(item.id, last);
    if (choice === 'keep') {
      // Not chosen to run (a sample, a filter, a skip): it keeps what it had.
      kept[i] = lastOutput;
      if (lastOutput !== undefined && last?.cacheKey === key) counts.cached++;
      else counts.skipped++;
      continue;
    }
    const missing = upstream.length === 0 ? undefined : upstream.find((u) => u.manifest.outputs[item.id] === undefined);
    if (missing !== undefined) {
      counts.blocked++;
      blocked[item.id] = { code: 'UPSTREAM_ITEM_FAILED', message: `item \`${item.id}\` of \`${missing.dep}\` ${missing.manifest.failed[item.id] ? 'failed' : 'has no output'}` };
      continue;
    }
    if (choice === 'incremental' && lastOutput !== undefined && last?.cacheKey === key && itemServiceDownReason(run, stage, item.id, key) === undefined) {
      kept[i] = lastOutput;
      counts.cached++;
      continue;
    }
    toRun.push({ item, key, upstreamHashes });
  }

  const usage: Record<string, number> = {};
  const workers: Record<string, number> = {};
  let attempts = 0;
  let running = 0;
  let done = 0;
  const started = clock.monotonic();
  let lastProgress = -Infinity;
  const progress = (force: boolean) => {
    const now = clock.monotonic();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const seconds = (now - started) / 1000;
    run.emit('ITEMS_PROGRESS', {
      stageId: stage.id,
      correlationId: `${run.runId}/${stage.id}`,
      message: `${done + counts.failed} of ${toRun.length} item(s) of \`${stage.id}\` done${counts.failed > 0 ? `, ${counts.failed} failed` : ''}`,
      metadata: {
        done,
        failed: counts.failed,
        cached: counts.cached,
        running,
        total: items.length,
        itemsPerSecond: seconds > 0 ? Math.round(((done + counts.failed) / seconds) * 10) / 10 : 0,
        ...(Object.keys(workers).length === 0 ? {} : { workers: { ...workers } }),
      },
    });
  };
  const quiet: Emit = (type, draft) => {
    if (!QUIET_ITEM_EVENTS.has(type)) run.emit(type, draft);
  };
  // The items' attempts each listen to the run's cancellation: one listener on the run's signal, and a signal of the
  // stage's own that takes as many listeners as items run at once.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onRunAbort = () => stop.abort(run.signal.reason);
  if (run.signal.aborted) onRunAbort();
  else run.signal.addEventListener('abort', onRunAbort, { once: true });
  const results = new Map<string, { readonly outcome: StageOutcome; readonly stored?: { outputHash: string; inlineOutput?: string } }>();

  const runOne = async ({ item, key, upstreamHashes }: (typeof toRun)[number]): Promise<void> => {
    const inputs: Record<string, unknown> = { ...shared };
    let unreadable: unknown;
    for (let i = 0; i < upstream.length && unreadable === undefined; i++) {
      const u = upstream[i];
      // An upstream item's output that cannot be read (missing, damaged) fails this item, not the run.
      inputs[u.dep] = await readItemOutput(store, u.records.get(item.id), upstreamHashes[i]).catch((error: unknown) => {
        unreadable = error;
      });
    }
    const readFailure = unreadable;
    let stored: { outputHash: string; inlineOutput?: string } | undefined;
    running++;
    const registered = run.compiled.registry[stage.id];
    // An item's service is kept under the item's cache key: an unchanged item keeps it running (`item-services.ts`).
    const entry = stage.kind === 'service' ? { ...registered, run: serviceStageRun(stage, run.compiled.plan.name, key, run.supervisor) } : registered;
    const outcome = await executeStage({
      runId: run.runId,
      stage,
      entry:
        readFailure === undefined
          ? entry
          : {
              ...entry,
              run: () => {
                throw readFailure;
              },
            },
      inputs: inputs as StageInputs,
      item,
      idempotencyKey: sha256(`${stage.id}\n${item.id}\n${key}`),
      clock,
      random: run.random,
      breakers: run.breakers,
      budget: run.ledger,
      emit: quiet,
      signal: stop.signal,
      stateDir: store.location,
      sharedValues: stateFolderValues,
      secrets: run.compiled.secrets,
      redact: noRedaction,
      correlationId: `${run.runId}/${stage.id}/${item.id}`,
      storeOutput: async (output) => {
        stored = await storeItemOutput(store, stage.id, output);
        return stored.outputHash;
      },
    });
    running--;
    attempts += outcome.attempts;
    for (const [resource, amount] of Object.entries(outcome.usage)) usage[resource] = amount;
    results.set(item.id, { outcome, ...(stored ? { stored } : {}) });
    if (outcome.status === 'CANCELLED') return;
    const record: ItemRecord = {
      stageId: stage.id,
      itemId: item.id,
      itemHash: item.hash,
      cacheKey: key,
      status: outcome.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
      attempts: outcome.attempts,
      durationMs: outcome.durationMs,
      runId: run.runId,
      endedAt: outcome.endedAt,
      ...(outcome.status === 'SUCCEEDED' && stored ? { outputHash: stored.outputHash, ...(stored.inlineOutput === undefined ? {} : { inlineOutput: stored.inlineOutput }) } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.worker === undefined ? {} : { worker: outcome.worker }),
    };
    journal.append([record]);
    if (outcome.worker !== undefined) workers[outcome.worker] = (workers[outcome.worker] ?? 0) + 1;
    if (outcome.status === 'SUCCEEDED') done++;
    else {
      counts.failed++;
      itemFailed(run, stage, item, outcome.error, outcome.attempts);
    }
    progress(false);
  };

  try {
    // A drained run starts no new item; the running ones go on to their end (and their records).
    await pool(toRun, stage.concurrency ?? 1, () => stop.signal.aborted || run.noNewWork.aborted, runOne);
  } finally {
    run.signal.removeEventListener('abort', onRunAbort);
  }
  await journal.flush();
  progress(true);

  // The manifest in discovery order: kept outputs and this run's, and the failures.
  const ordered: Record<string, string> = {};
  for (let i = 0; i < items.length; i++) {
    const id = items[i].id;
    const result = results.size === 0 ? undefined : results.get(id);
    if (result?.outcome.status === 'SUCCEEDED' && result.stored) ordered[id] = result.stored.outputHash;
    else if (result?.outcome.status === 'FAILED') failed[id] = { code: result.outcome.error?.code ?? 'STAGE_FAILED', message: result.outcome.error?.message ?? 'failed' };
    else if (kept[i] !== undefined) ordered[id] = kept[i] as string;
    else if (blocked[id] !== undefined) failed[id] = blocked[id];
  }
  counts.succeeded = done;
  const finalCounts: ItemCounts = { ...counts };
  const ranOn = Object.keys(workers).length === 0 ? {} : { workers };
  if ((run.signal.aborted || run.noNewWork.aborted) && (results.size < toRun.length || [...results.values()].some((r) => r.outcome.status === 'CANCELLED'))) {
    return { status: 'CANCELLED', counts: finalCounts, usage, attempts, ...ranOn };
  }
  const manifest: ItemManifest = { outputs: ordered, failed };
  if (counts.failed === 0) return { status: 'SUCCEEDED', manifest, counts: finalCounts, usage, attempts, ...ranOn };
  const rate = counts.failed / Math.max(1, items.length);
  const max = stage.maxFailureRate ?? 0;
  if (rate <= max) return { status: 'PARTIAL', manifest, counts: finalCounts, usage, attempts, ...ranOn };
  return { status: 'FAILED', counts: finalCounts, usage, attempts, ...ranOn, error: itemsFailedError(stage, counts.failed, items.length, max, failed) };
}

/**
 * Whether each item is chosen to run by the run's item options:
 * `incremental` (runs when new, changed or failed), `full` (runs), or `keep`
 * (not chosen: keeps what it had).
 */
function chooser(items: readonly Item[], options: ItemRunOptions, previous: ReadonlyMap<string, ItemRecord>): (id: string, last: ItemRecord | undefined) => 'incremental' | 'full' | 'keep' {
  const only = options.only === undefined ? undefined : new Set(options.only);
  const skip = new Set(options.skip ?? []);
  const sample = options.mode === 'test' ? sampleItems(items, options.sample ?? DEFAULT_ITEM_SAMPLE) : undefined;
  const full = options.mode === 'full';
  return (id, last) => {
    if (skip.has(id) || (only !== undefined && !only.has(id)) || (sample !== undefined && !sample.has(id))) return 'keep';
    if (options.retryFailed === true) return previous.get(id)?.status === 'FAILED' || last === undefined ? 'full' : 'keep';
    return full ? 'full' : 'incremental';
  };
}

/** Runs `work` on each entry with at most `limit` at once; stops starting new ones once `stopped()` says so. */
async function pool<T>(entries: readonly T[], limit: number, stopped: () => boolean, work: (entry: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length && !stopped()) await work(entries[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, entries.length) }, worker));
}

function itemFailed(run: StageRunContext, stage: PlanStage, item: Item, error: StoredError | undefined, attempts: number): void {
  run.emit('ITEM_FAILURE', {
    stageId: stage.id,
    correlationId: `${run.runId}/${stage.id}/${item.id}`,
    level: 'WARN',
    message: `Item \`${item.id}\` of \`${stage.id}\` failed${error ? `: ${error.message}` : ''}`,
    metadata: { itemId: item.id, code: error?.code ?? 'STAGE_FAILED', errorClass: error?.errorClass ?? 'persistent', attempts },
  });
}

function itemsFailedError(stage: PlanStage, failedCount: number, total: number, max: number, failed: Readonly<Record<string, { code: string }>>): DagbookError {
  const byCode = new Map<string, number>();
  for (const { code } of Object.values(failed)) byCode.set(code, (byCode.get(code) ?? 0) + 1);
  const codes = [...byCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${n} ${code}`).join(', ');
  const pct = (n: number) => `${Math.round(n * 10000) / 100}%`;
  return new DagbookError(
    'ITEMS_FAILED',
    `${failedCount} of ${total} items of \`${stage.id}\` failed (${pct(failedCount / Math.max(1, total))}, above its maxFailureRate of ${pct(max)}): ${codes}`,
    { stageId: stage.id, errorClass: 'persistent', data: { failed: failedCount, total, maxFailureRate: max, itemIds: Object.keys(failed).slice(0, 20) } },
  );
}
