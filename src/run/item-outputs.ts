import { sha256 } from '../canonical-json';
import type { ItemSet } from '../definition/types';
import { decodeOutput, encodeOutput } from '../output-codec';
import { isInlineSize } from '../store/inline-outputs';
import type { ItemRecord } from '../records';
import type { RunStore, RunStoreReader } from '../store/run-store';

/**
 * The outputs of per-item stages. Each item's output is stored like a
 * stage's (content-addressed, by the sha256 of its stored form), but a small
 * one travels inline in the item's journal record instead of a file of its
 * own: 100,000 items do not make 100,000 files. The per-item stage's own
 * output is its manifest: the output hash of every item that succeeded and
 * why the others failed. Downstream cache keys follow the manifest's hash.
 */

/** The output of a per-item stage. */
export interface ItemManifest {
  /** Output hash of every item that succeeded (now or earlier), by item id, in discovery order. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The items that failed, with why. */
  readonly failed: Readonly<Record<string, { readonly code: string; readonly message: string }>>;
}

/** An item's output ready to be recorded: its hash, and its stored form when small enough to be inline. */
export interface StoredItemOutput {
  readonly outputHash: string;
  readonly inlineOutput?: string;
}

/**
 * Stores an item's output: inline (no file) when its stored form is small,
 * else as an output file.
 * @throws OUTPUT_NOT_SERIALIZABLE naming the stage and the path of what cannot be stored
 */
export async function storeItemOutput(store: RunStore, stageId: string, value: unknown): Promise<StoredItemOutput> {
  const stored = encodeOutput(value ?? null, { stageId });
  if (isInlineSize(stored)) return { outputHash: sha256(stored), inlineOutput: stored };
  return { outputHash: await store.putOutput(value ?? null, { stageId }) };
}

/** An item's output: its record's inline form when the record holds that output, else the stored output `outputHash`. */
export async function readItemOutput(store: RunStoreReader, record: ItemRecord | undefined, outputHash: string): Promise<unknown> {
  if (record?.outputHash === outputHash && record.inlineOutput !== undefined) return decodeOutput(record.inlineOutput, `the output of item \`${record.itemId}\` of \`${record.stageId}\``);
  return store.getOutput(outputHash);
}

/**
 * What a stage that reads a per-item stage whole gets: every item's output,
 * and what changed against the manifest it saw at its last success (none:
 * every item is new).
 */
export async function itemSet(
  store: RunStoreReader,
  stageId: string,
  manifest: ItemManifest,
  previous: ItemManifest | undefined,
): Promise<ItemSet> {
  const records = await store.readItemRecords(stageId);
  const outputs: Record<string, unknown> = {};
  for (const [id, hash] of Object.entries(manifest.outputs)) outputs[id] = await readItemOutput(store, records.get(id), hash);
  const before = previous?.outputs ?? {};
  const changed = Object.keys(manifest.outputs).filter((id) => before[id] !== manifest.outputs[id]);
  const deleted = Object.keys(before).filter((id) => manifest.outputs[id] === undefined && manifest.failed[id] === undefined);
  return { outputs, changed, deleted, failed: manifest.failed };
}

/** True when `value` has the shape of an {@link ItemManifest}. */
export function isItemManifest(value: unknown): value is ItemManifest {
  return typeof value === 'object' && value !== null && typeof (value as ItemManifest).outputs === 'object' && typeof (value as ItemManifest).failed === 'object';
}
