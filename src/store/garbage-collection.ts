import type { ArtifactStore } from './artifact-store';
import { allCacheEntries } from './cache-history';
import { checkInlineOutput, dropUnreferencedInline } from './inline-outputs';
import type { StateDocument } from './state-schema';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * Garbage collection of stored outputs: an output stays while the snapshot
 * refers to it — a kept cache entry or a stage's latest record — or an item
 * journal does (an item's latest record: the caller passes their hashes);
 * the rest go.
 * An old run's stage records, kept in its log, do not keep their outputs:
 * those are read back while the cache keeps them (a history view of an old
 * run may find an output gone). Deciding from the snapshot alone keeps the
 * cost bounded by the stages and the cache policy, not by the history. With
 * `verify`, every output still stored is also checked (its content must hash
 * to its name), and a damaged one is removed: a stage whose output is gone
 * runs again on the next run ("stored output missing"). Outputs kept inline
 * in the document (`inline-outputs.ts`) are collected alike, in the document:
 * its snapshot must then be rewritten.
 */

/** What a collection removed. */
export interface GarbageReport {
  /** Unreferenced outputs removed, sorted. */
  readonly removed: string[];
  /** Damaged outputs removed (checked only with `verify`), sorted. */
  readonly damaged: string[];
}

/** Outputs referenced by the document's latest stage records and cache entries (and `also`: the item journals' outputs). */
export function referencedOutputs(doc: StateDocument, also: Iterable<string> = []): Set<string> {
  const used = new Set<string>(also);
  for (const { record } of Object.values(doc.latest)) if (record.outputHash) used.add(record.outputHash);
  for (const entry of allCacheEntries(doc.cache)) used.add(entry.outputHash);
  return used;
}

/**
 * Removes the outputs nothing in `doc` (nor `itemOutputs`) refers to and, with `verify`, the
 * damaged ones. @throws DagbookError `STATE_IO` when the folder cannot be read or a file removed.
 */
export function collectGarbage(
  doc: StateDocument,
  artifacts: ArtifactStore,
  options: { readonly verify?: boolean; readonly itemOutputs?: Iterable<string> } = {},
): GarbageReport {
  const used = referencedOutputs(doc, options.itemOutputs);
  const removed: string[] = dropUnreferencedInline(doc, used);
  const damaged: string[] = [];
  if (options.verify) {
    for (const [hash, stored] of Object.entries(doc.outputs)) {
      if (checkInlineOutput(hash, stored) === 'corrupt') {
        delete doc.outputs[hash];
        damaged.push(hash);
      }
    }
  }
  const files: string[] = [];
  for (const hash of artifacts.list()) {
    if (!used.has(hash)) files.push(hash);
    else if (options.verify && artifacts.verify(hash) === 'corrupt') damaged.push(hash);
  }
  for (const hash of files) artifacts.remove(hash);
  for (const hash of damaged) artifacts.remove(hash);
  return { removed: [...removed, ...files].sort(), damaged: damaged.sort() };
}

/** A collection under way in the background: the outputs it removes, and when it is done. */
export interface BackgroundCollection {
  /** Outputs being removed. */
  readonly hashes: ReadonlySet<string>;
  /** Settles once every removal has ended (a removal that failed leaves an orphan for the next collection). */
  readonly done: Promise<void>;
}

/**
 * Removes the outputs nothing in `doc` refers to without blocking: the
 * removals run on libuv's thread pool, in parallel with whatever the caller
 * does next (an unlink costs milliseconds on a busy disk, and a run of
 * distinct outputs leaves as many orphans as it has stages). The caller must
 * not hand out any of `hashes` before `done` (putting one again after it
 * rewrites it) and must await `done` before releasing the state.
 * @throws DagbookError `STATE_IO` when the folder cannot be listed.
 */
export function collectGarbageInBackground(
  doc: StateDocument,
  artifacts: ArtifactStore,
  fs: StateFileSystem = nodeFileSystem,
  itemOutputs: Iterable<string> = [],
): BackgroundCollection {
  const used = referencedOutputs(doc, itemOutputs);
  const hashes = new Set(artifacts.list().filter((hash) => !used.has(hash)));
  const done = Promise.all([...hashes].map((hash) => fs.rm(artifacts.pathOf(hash), { force: true }).catch(() => undefined))).then(() => undefined);
  return { hashes, done };
}
