import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineEvent } from '../../src/events/event';
import type { CacheEntry, ItemRecord, RunRecord, StageRecord } from '../../src/records';

/** A fresh temp folder for one test. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-store-'));
}

/** A run record. */
export function runRecord(runId: string, startedAt = 1_700_000_000_000): RunRecord {
  return { runId, pipeline: 'etl', status: 'RUNNING', stages: ['extract', 'load'], startedAt, usage: {} };
}

/** A stage record. */
export function stageRecord(stageId: string, status: StageRecord['status'], extra: Partial<StageRecord> = {}): StageRecord {
  return {
    stageId,
    status,
    attempts: 1,
    idempotencyKey: `run-1:${stageId}`,
    usage: { tokens: 10 },
    validation: [],
    attemptLog: [],
    ...extra,
  };
}

/** A cache entry. */
export function cacheEntry(stageId: string, runId: string, outputHash: string): CacheEntry {
  return { stageId, cacheKey: `key-${stageId}`, outputHash, durationMs: 42, runId, recordedAt: 1_700_000_000_500 };
}

/** A LOG event. */
export function logEvent(runId: string, seq: number, message: string): PipelineEvent {
  return {
    timestamp: '2024-01-01T00:00:00.000Z',
    runId,
    type: 'LOG',
    level: 'INFO',
    message,
    metadata: { n: seq },
    correlationId: runId,
    seq,
  };
}

/** Every file below `dir`, with its bytes. */
export function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      return { file, bytes: fs.readFileSync(file) };
    });
}

/** An item record of stage `embed` (distinct hashes per item id and `round`). */
export function itemRecord(itemId: string, round = 1, extra: Partial<ItemRecord> = {}): ItemRecord {
  return {
    stageId: 'embed',
    itemId,
    itemHash: `hash-${itemId}-${round}`,
    cacheKey: `key-${itemId}-${round}`,
    status: 'SUCCEEDED',
    attempts: 1,
    durationMs: 12,
    outputHash: `out-${itemId}-${round}`,
    runId: `run-${round}`,
    endedAt: 1_700_000_000_000 + round,
    ...extra,
  };
}
