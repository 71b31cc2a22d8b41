import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError } from '../errors';
import { toPublicEvent, type PublicEvent } from '../events/public-event';
import { plainJsonText } from '../plain-json';
import type { Plan } from '../plan/plan';
import type { BreakerSnapshot, ItemRecord, RunRecord, StageRecord } from '../records';
import type { StateReader } from '../store/state-reader';
import { VERSION } from '../version';

/**
 * What an exported run folder holds, read from the state without the lock:
 * the run's `meta.json`, `state.json`, `events.jsonl` (the public event
 * lines, `events/public-event.ts`) and each stage's output, in the layout of
 * the teams' run directory (`outputs/<stage>.output.json`; the report goes
 * to `reports/report.md`, rendered by `display/run-report.ts`). Field names
 * are the teams' where theirs fit (`run_id`, `steps`, `step_name`,
 * `start_time`, `attempt_count`, `last_error`, `outputs`); the states are
 * dagbook's (SUCCEEDED, CACHED, PARTIAL... and PENDING for a selected stage
 * that never started). An output that is plain JSON data and at most
 * `maxOutputBytes` of text is written whole; another (a Map, a typed array, a
 * DataFrame, or a large one) is written as a reference to where the state
 * keeps it, with its hash, size and why it was not copied.
 */

/** `meta.json`. */
export interface RunMeta {
  readonly run_id: string;
  readonly pipeline: string;
  readonly status: string;
  /** Why it failed or was cancelled, when it did. */
  readonly reason?: string;
  readonly start_time: string;
  readonly end_time: string | null;
  readonly duration_ms: number | null;
  /** The stages selected for the run, in plan order. */
  readonly stages: readonly string[];
  /** The run's usage by resource. */
  readonly usage: Readonly<Record<string, number>>;
  /** The environment the run ran in, when its record names one. */
  readonly environment?: string;
  readonly dagbook_version: string;
}

/** One step of `state.json`. */
export interface StepState {
  readonly step_name: string;
  readonly status: string;
  readonly idempotency_key: string | null;
  readonly start_time: string | null;
  readonly end_time: string | null;
  readonly duration_ms: number | null;
  readonly attempt_count: number;
  readonly last_error: { readonly code: string; readonly class: string; readonly message: string } | null;
  readonly cache_key: string | null;
  readonly output_hash: string | null;
  /** Files of the folder holding its output. */
  readonly outputs: readonly string[];
  /** Why it ran, was restored, skipped or blocked. */
  readonly reason: string | null;
  readonly usage: Readonly<Record<string, number>>;
  /** A per-item stage's item counts. */
  readonly items?: Readonly<Record<string, number>>;
}

/** `state.json`. */
export interface RunState {
  readonly run_id: string;
  readonly pipeline: string;
  readonly status: string;
  readonly steps: Readonly<Record<string, StepState>>;
}

/** What `outputs/<stage>.output.json` holds for an output not copied. */
export interface OutputReference {
  readonly output_hash: string;
  /** The file the state keeps it in (absent when it is kept inside `db.json` or is gone). */
  readonly stored_at?: string;
  /** Size of its stored form, bytes, when known. */
  readonly bytes?: number;
  /** Why it is a reference. */
  readonly why: string;
  /** How to read it. */
  readonly read_with: string;
}

/** One stage's exported output: the JSON text to write, and whether it is the output or a reference. */
export interface ExportedOutput {
  readonly file: string;
  readonly kind: 'value' | 'reference';
  /** The file's text. */
  readonly text: string;
}

/** What a failed (or partial) stage's error analysis is drawn from. */
export interface FailureInputs {
  readonly stageId: string;
  readonly record: StageRecord;
  readonly breaker?: { readonly key: string; readonly snapshot: BreakerSnapshot; readonly recoveryTimeoutMs: number };
  readonly itemRecords?: readonly ItemRecord[];
}

/** Everything a run folder is written from. */
export interface RunFolder {
  readonly meta: RunMeta;
  readonly state: RunState;
  readonly events: readonly PublicEvent[];
  readonly outputs: readonly ExportedOutput[];
  /** The run's record and stage records (for the report). */
  readonly run: RunRecord;
  readonly stages: Readonly<Record<string, StageRecord>>;
  /** The failed and partial stages, in plan order. */
  readonly failures: readonly FailureInputs[];
}

/** Options of {@link readRunFolder}. */
export interface ReadRunFolderOptions {
  /** Largest output copied whole, bytes of JSON text. @default 1 MiB */
  readonly maxOutputBytes?: number;
}

/** @default of {@link ReadRunFolderOptions.maxOutputBytes}. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The path of a stage's output inside the folder. */
export function outputFile(stageId: string): string {
  return `outputs/${stageId}.output.json`;
}

/**
 * Reads what a run's folder is written from.
 * @throws DagbookError `RUN_NOT_FOUND` naming the pipeline and the run; `STATE_CORRUPT`, `STATE_IO`
 */
export async function readRunFolder(reader: StateReader, plan: Plan, runId: string, options: ReadRunFolderOptions = {}): Promise<RunFolder> {
  const run = await reader.getRun(runId);
  if (run === undefined) throw new DagbookError('RUN_NOT_FOUND', `Expected \`runId\` to name a run of \`${plan.name}\`, got \`${runId}\``, { data: { pipeline: plan.name, runId } });
  const stages = await reader.getStages(runId);
  const ids = [...run.stages, ...Object.keys(stages).filter((id) => !run.stages.includes(id))];
  const outputs: ExportedOutput[] = [];
  const steps: Record<string, StepState> = {};
  for (const id of ids) {
    const record = stages[id];
    const output = record?.outputHash === undefined ? undefined : await exportOutput(reader, id, record.outputHash, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    if (output) outputs.push(output);
    steps[id] = stepState(id, record, output);
  }
  const failures: FailureInputs[] = [];
  const breakers = await reader.loadBreakers();
  for (const id of ids) {
    const record = stages[id];
    if (record === undefined || (record.status !== 'FAILED' && record.status !== 'PARTIAL')) continue;
    const breakerPlan = plan.stages[id]?.breaker;
    const snapshot = breakerPlan ? breakers[breakerPlan.key] : undefined;
    failures.push({
      stageId: id,
      record,
      ...(breakerPlan && snapshot ? { breaker: { key: breakerPlan.key, snapshot, recoveryTimeoutMs: breakerPlan.recoveryTimeoutMs } } : {}),
      ...(record.items === undefined ? {} : { itemRecords: [...(await reader.readItemRecords(id)).values()].filter((r) => r.runId === runId) }),
    });
  }
  const events = (await reader.readEvents(runId)).map(toPublicEvent);
  return { meta: runMeta(run), state: { run_id: run.runId, pipeline: run.pipeline, status: run.status, steps }, events, outputs, run, stages, failures };
}

function runMeta(run: RunRecord): RunMeta {
  const environment = (run as RunRecord & { readonly environment?: unknown }).environment;
  return {
    run_id: run.runId,
    pipeline: run.pipeline,
    status: run.status,
    ...(run.reason === undefined ? {} : { reason: run.reason }),
    start_time: iso(run.startedAt),
    end_time: run.endedAt === undefined ? null : iso(run.endedAt),
    duration_ms: run.endedAt === undefined ? null : run.endedAt - run.startedAt,
    stages: run.stages,
    usage: run.usage,
    ...(typeof environment === 'string' ? { environment } : {}),
    dagbook_version: VERSION,
  };
}

function stepState(id: string, record: StageRecord | undefined, output: ExportedOutput | undefined): StepState {
  return {
    step_name: id,
    status: record?.status ?? 'PENDING',
    idempotency_key: record?.idempotencyKey ?? null,
    start_time: record?.startedAt === undefined ? null : iso(record.startedAt),
    end_time: record?.endedAt === undefined ? null : iso(record.endedAt),
    duration_ms: record?.durationMs ?? null,
    attempt_count: record?.attempts ?? 0,
    last_error: record?.error ? { code: record.error.code, class: record.error.errorClass, message: record.error.message } : null,
    cache_key: record?.cacheKey ?? null,
    output_hash: record?.outputHash ?? null,
    outputs: output ? [output.file] : [],
    reason: record?.reason ?? null,
    usage: record?.usage ?? {},
    ...(record?.items ? { items: { ...record.items } } : {}),
  };
}

/** A stage's output as the folder's file: the value when it is plain JSON data and small enough, else a reference. */
async function exportOutput(reader: StateReader, stageId: string, hash: string, maxBytes: number): Promise<ExportedOutput> {
  const file = outputFile(stageId);
  const artifact = path.join(reader.paths.artifacts, hash);
  const stored = fileSize(artifact);
  const readWith = `await wb.output('${stageId}')`;
  const reference = (why: string, bytes?: number): ExportedOutput => {
    const ref: OutputReference = {
      output_hash: hash,
      ...(stored === undefined ? {} : { stored_at: artifact }),
      ...(bytes === undefined ? {} : { bytes }),
      why,
      read_with: readWith,
    };
    return { file, kind: 'reference', text: `${JSON.stringify(ref, null, 2)}\n` };
  };
  if (stored !== undefined && stored > maxBytes) return reference(`its stored form is ${stored} bytes, more than the ${maxBytes} copied whole`, stored);
  if (!(await reader.hasOutput(hash))) return reference('it is no longer stored (removed by retention or garbage collection)');
  const value = await reader.getOutput(hash);
  const text = plainJsonText(value);
  if (text === undefined) return reference(`it is not plain JSON data (${describeValue(value)})`, stored);
  if (text.length > maxBytes) return reference(`its JSON text is ${text.length} bytes, more than the ${maxBytes} copied whole`, stored);
  return { file, kind: 'value', text: `${JSON.stringify(value, null, 2)}\n` };
}

/** A file's size; undefined when it is not there (an output kept inline in `db.json` has no file). */
function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** "a Map", "a Float64Array", "a DataFrame", "a bigint". */
function describeValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return `a ${typeof value}`;
  const name = Object.getPrototypeOf(value)?.constructor?.name as string | undefined;
  return name && name !== 'Object' && name !== 'Array' ? `a ${name}` : 'a value with parts JSON cannot hold';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
