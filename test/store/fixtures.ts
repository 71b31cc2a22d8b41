import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineEvent } from '../../src/events/event';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
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

/** A test's state folder and the durable store it opened (see {@link useStoreFolder}). */
export interface StoreFolder {
  /** The state folder. */
  readonly dir: string;
  /** The pipeline's folder in it (`<dir>/etl`). */
  readonly root: string;
  /** Opens the store of pipeline `etl` in `dir` with `extra` options; closed after the test. */
  open(extra?: Omit<Parameters<typeof openDurableStore>[0], 'stateDir' | 'pipeline'>): Promise<DurableStore>;
}

/**
 * A fresh state folder for each test of the enclosing `describe`, and the
 * store a test opens there, closed and removed after it.
 */
export function useStoreFolder(): StoreFolder {
  let dir = '';
  let store: DurableStore | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get root() {
      return path.join(dir, 'etl');
    },
    open: async (extra = {}) => (store = await openDurableStore({ stateDir: dir, pipeline: 'etl', ...extra })),
  };
}
