import type { CompiledPipeline } from '../plan/plan';
import { hashInputFiles } from '../plan/input-files';
import { selectStages, type SelectionOptions } from '../plan/select';
import { refreshStageCode } from '../plan/fingerprint';
import { isForced } from '../plan/decide';
import { sha256 } from '../canonical-json';
import type { Item } from '../definition/types';
import { errorMessage } from '../errors';
import { checkItems } from '../items';
import { encodeOutput } from '../output-codec';
import { countItems, describeItems, itemsToRun, previewDiscovery, type DryRunItems } from './item-preview';
import { stageHistory, type StageHistory } from './history';
import { decideFromStore } from './stage-decision';
import { dryRunEnvironment, environmentReason, type DryRunEnvironment } from './dry-run-environment';
import type { RunStoreReader } from '../store/run-store';
import { disabledReason } from '../plan/stage-overrides';

/**
 * The dry run: for every stage, whether a run would execute it or restore it
 * from cache, and why, in words — without running anything. A stage whose
 * upstream would run is reported as running too, since its inputs are only
 * known once the upstream has run.
 */

/** What a run would do with one stage. */
export type DryRunAction = 'run' | 'skip' | 'disabled' | 'blocked';

/** One stage of the dry run. */
export interface DryRunRow {
  /** Stage id. */
  readonly stageId: string;
  /** What would happen. */
  readonly action: DryRunAction;
  /** Why, in words: "never ran", "param `x` changed", "up to date", "stored output corrupt", ... */
  readonly reason: string;
  /** Expected duration from history, ms, when known. */
  readonly estimatedMs?: number;
  /** Its deps. */
  readonly deps: readonly string[];
  /** Names its function captures that its cache key does not track (see `PlanCode.untracked`); absent when none. */
  readonly untracked?: readonly string[];
  /** A per-item stage's items: how many are new, changed, deleted, unchanged, failed last time, and would run. */
  readonly items?: DryRunItems;
  /** A discovery stage's items, as the dry run found them by calling it. */
  readonly discovered?: number;
}

/** The dry run of a selection. */
export interface DryRunResult {
  /** Pipeline name. */
  readonly pipeline: string;
  /** The selected environment and what it changes; absent when none was selected. */
  readonly environment?: DryRunEnvironment;
  /** Every selected stage, in plan order. */
  readonly rows: readonly DryRunRow[];
  /** Stages that would run. */
  readonly toRun: number;
  /** Sum of the known durations of the stages that would run, ms. */
  readonly estimatedMs: number;
}

/** Options of {@link dryRun}. */
export interface DryRunOptions {
  /** The store (or a reader of it) holding the pipeline's history. */
  readonly store: RunStoreReader;
  /** Which stages. @default all */
  readonly selection?: SelectionOptions;
  /** Stages forced to run (`true`: all). @default false */
  readonly force?: boolean | readonly string[];
  /** Folder declared input files are relative to. @default process.cwd() */
  readonly baseDir?: string;
  /** The pipeline's stage history, when the caller has read it already; it must cover the selected stages. @default read from `store` */
  readonly history?: StageHistory;
}

/** Says what a run would do, and why, for every selected stage. */
export async function dryRun(compiled: CompiledPipeline, options: DryRunOptions): Promise<DryRunResult> {
  const { plan } = compiled;
  const selection = selectStages(plan, options.selection ?? {});
  const selected = new Set([...selection.stages, ...selection.disabled, ...Object.keys(selection.blocked)]);
  const ids = plan.order.filter((id) => selected.has(id));
  const history = options.history ?? (await stageHistory(options.store, plan.name, ids));
  const disabled = new Set(selection.disabled);
  const memo = new Map<string, string>();
  const willRun = new Set<string>();
  const outputHash = new Map<string, string>();
  const rows: DryRunRow[] = [];
  // Items the discovery stages returned when called, and the items of each per-item stage that would run.
  const discovered = new Map<string, Item[]>();
  const itemsWillRun = new Map<string, Set<string>>();
  const itemsFor = async (discovery: string): Promise<Item[] | undefined> => {
    const found = discovered.get(discovery);
    if (found !== undefined) return found;
    const hash = outputHash.get(discovery) ?? (await options.store.latestCacheEntry(discovery))?.outputHash;
    if (hash === undefined) return undefined;
    try {
      return checkItems(await options.store.getOutput(hash), discovery);
    } catch {
      return undefined;
    }
  };

  for (const dep of selection.requiresOutputsOf) {
    const entry = await options.store.latestCacheEntry(dep);
    if (entry) outputHash.set(dep, entry.outputHash);
  }
  for (const id of ids) {
    // Code identity is read again now: a module may have changed since the plan was compiled.
    const stage = refreshStageCode(plan.stages[id]);
    const entry = await options.store.latestCacheEntry(id);
    const last = Object.prototype.hasOwnProperty.call(history.latest, id) ? history.latest[id] : undefined;
    const estimatedMs = entry?.durationMs ?? (last?.status === 'SUCCEEDED' ? last.durationMs : undefined);
    const untracked = stage.code?.untracked ?? [];
    const base = {
      stageId: id,
      deps: stage.deps,
      ...(estimatedMs === undefined ? {} : { estimatedMs }),
      ...(untracked.length === 0 ? {} : { untracked }),
    };
    if (disabled.has(id)) {
      rows.push({ ...base, action: 'disabled', reason: disabledReason(stage) });
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(selection.blocked, id)) {
      rows.push({ ...base, action: 'blocked', reason: selection.blocked[id] });
      continue;
    }
    // A dep that will run has no new output yet: judge this stage's own changes
    // against the dep's previous output, and name the dep as the reason if none.
    const upstreamHashes: Record<string, string> = {};
    for (const dep of stage.deps) {
      const hash = willRun.has(dep) ? entry?.parts?.[`upstream:${dep}`] : outputHash.get(dep);
      if (hash !== undefined) upstreamHashes[dep] = hash;
    }
    const fileHashes = stage.inputs.length > 0 ? await hashInputFiles(stage.inputs, options.baseDir ?? process.cwd(), memo) : {};
    const decision = await decideFromStore(options.store, stage, {
      upstreamHashes,
      fileHashes,
      lastStatus: last?.status,
      force: isForced(options.force, stage),
    });
    if (stage.discovery === true) {
      // A discovery stage runs every time; the dry run calls it (it has no side effects) to know what follows sees.
      try {
        const found = await previewDiscovery(compiled, stage, options.store.location);
        discovered.set(id, found);
        outputHash.set(id, sha256(encodeOutput(found, { stageId: id })));
        rows.push({ ...base, action: 'run', reason: `a discovery stage reads its source on every run: ${found.length} item(s)`, discovered: found.length });
      } catch (error) {
        willRun.add(id);
        rows.push({ ...base, action: 'run', reason: `a discovery stage reads its source on every run (calling it failed: ${errorMessage(error)})` });
      }
      continue;
    }
    if (stage.forEach !== undefined) {
      const items = await itemsFor(stage.forEach);
      if (items !== undefined) {
        const upstream = [];
        for (const dep of stage.itemDeps ?? []) upstream.push({ records: await options.store.readItemRecords(dep), willRun: itemsWillRun.get(dep) ?? new Set<string>() });
        const counts = countItems(stage, decision.parts, items, await options.store.readItemRecords(id), upstream, isForced(options.force, stage));
        itemsWillRun.set(id, itemsToRun(counts));
        if (counts.toRun === 0 && counts.deleted === 0 && decision.action === 'skip' && decision.entry) {
          outputHash.set(id, decision.entry.outputHash);
          rows.push({ ...base, action: 'skip', reason: decision.reason, items: counts });
        } else {
          willRun.add(id);
          rows.push({ ...base, action: 'run', reason: describeItems(counts), items: counts });
        }
        continue;
      }
    }
    const runningDeps = stage.deps.filter((dep) => willRun.has(dep));
    if (decision.action === 'skip' && decision.entry && runningDeps.length === 0) {
      outputHash.set(id, decision.entry.outputHash);
      rows.push({ ...base, action: 'skip', reason: decision.reason });
      continue;
    }
    willRun.add(id);
    const upstreamNote = `upstream ${runningDeps.map((d) => `\`${d}\``).join(', ')} will run`;
    const reason = decision.action === 'skip' ? upstreamNote : runningDeps.length > 0 && decision.reason !== 'never ran' ? `${decision.reason}; ${upstreamNote}` : decision.reason;
    rows.push({ ...base, action: 'run', reason });
  }
  const running = rows.filter((r) => r.action === 'run');
  const environment = dryRunEnvironment(plan);
  return {
    pipeline: plan.name,
    ...(environment === undefined ? {} : { environment }),
    rows: environment === undefined ? rows : rows.map((row) => ({ ...row, reason: environmentReason(plan, environment, row.stageId, row.action, row.reason) })),
    toRun: running.length,
    estimatedMs: running.reduce((sum, r) => sum + (r.estimatedMs ?? 0), 0),
  };
}
