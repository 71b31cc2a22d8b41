import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { ItemRecord } from '../src/records';
import { openDurableStore } from '../src/store/durable-store';
import { median, removeDir, round3, tempStateDir, timeMs } from './harness';

/**
 * The item journal alone, as a per-item stage of 100,000 no-op items would
 * use it: one record appended per item as it ends, items ending 8 per
 * event-loop turn (the default concurrency), then one flush; then the store
 * is opened again and the journal loaded (replayed and validated). Records
 * look like real ones: a document path as the id, sha256 hex for the item
 * hash, the cache key and the output hash, an inline output of ~100 bytes
 * (about 420 bytes a line). Run as a script to print its figures alone.
 */

/** Figures of {@link benchItemJournal}. */
export interface ItemJournalFigures {
  /** Records appended per second, to the end of the flush that makes them durable. */
  readonly appendRecordsPerSecond: number;
  /** The same as µs per record: what the journal costs an item. */
  readonly appendUsPerRecord: number;
  /** Records loaded per second by a reopened store. */
  readonly loadRecordsPerSecond: number;
  /** Group commits (fdatasyncs) the appends took. */
  readonly syncs: number;
  /** Bytes of the journal file. */
  readonly fileBytes: number;
}

const ITEMS = 100_000;
const PER_TURN = 8;

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The record of item `i`. */
function record(i: number): ItemRecord {
  const itemId = `docs/reference/functions/section-${Math.floor(i / 100)}/page-${i}.md`;
  return {
    stageId: 'embed',
    itemId,
    itemHash: hex(`blob ${i}`),
    cacheKey: hex(`key ${i}`),
    status: 'SUCCEEDED',
    attempts: 1,
    durationMs: 3 + (i % 17),
    outputHash: hex(`out ${i}`),
    inlineOutput: JSON.stringify({ chunks: 1 + (i % 5), tokens: 200 + (i % 300), title: `Page ${i}` }),
    runId: '2024-06-01T10-00-00-000Z-a1b2c3',
    endedAt: 1_717_236_000_000 + i,
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function once(): Promise<{ appendMs: number; loadMs: number; syncs: number; fileBytes: number }> {
  const records = Array.from({ length: ITEMS }, (_, i) => record(i));
  const dir = tempStateDir();
  try {
    let store = await openDurableStore({ stateDir: dir, pipeline: 'bench-items', retention: false });
    const journal = store.itemJournal('embed');
    await journal.load();
    const appendMs = await timeMs(async () => {
      for (let i = 0; i < ITEMS; i++) {
        journal.append([records[i]]);
        if (i % PER_TURN === PER_TURN - 1) await nextTurn();
      }
      await journal.flush();
    });
    const { syncs } = journal.stats;
    await store.close();
    store = await openDurableStore({ stateDir: dir, pipeline: 'bench-items', retention: false });
    let loaded = 0;
    const loadMs = await timeMs(async () => {
      loaded = (await store.itemJournal('embed').load()).size;
    });
    if (loaded !== ITEMS) throw new Error(`The journal loaded ${loaded} records of ${ITEMS}`);
    const fileBytes = fs.statSync(store.itemJournal('embed').file).size;
    await store.close();
    return { appendMs, loadMs, syncs, fileBytes };
  } finally {
    removeDir(dir);
  }
}

/** Runs the item journal benchmark (`repeats` times, medians). */
export async function benchItemJournal(repeats = 5, log: (line: string) => void = () => {}): Promise<ItemJournalFigures> {
  const samples: Awaited<ReturnType<typeof once>>[] = [];
  for (let r = 0; r < Math.max(1, repeats); r++) samples.push(await once());
  const appendMs = median(samples.map((s) => s.appendMs));
  const loadMs = median(samples.map((s) => s.loadMs));
  const figures: ItemJournalFigures = {
    appendRecordsPerSecond: Math.round((ITEMS / appendMs) * 1000),
    appendUsPerRecord: round3((appendMs * 1000) / ITEMS),
    loadRecordsPerSecond: Math.round((ITEMS / loadMs) * 1000),
    syncs: median(samples.map((s) => s.syncs)),
    fileBytes: samples[0].fileBytes,
  };
  log(
    `  ${ITEMS.toLocaleString('en-US')} records (${Math.round(figures.fileBytes / ITEMS)} bytes a line), ${PER_TURN} per event-loop turn: ` +
      `append + flush ${figures.appendRecordsPerSecond.toLocaleString('en-US')} records/s (${figures.appendUsPerRecord} µs each, ${figures.syncs} group commits), ` +
      `load after reopening ${figures.loadRecordsPerSecond.toLocaleString('en-US')} records/s`,
  );
  return figures;
}

if (require.main === module) {
  benchItemJournal(Number(process.env.BENCH_REPEATS ?? 3), (line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
