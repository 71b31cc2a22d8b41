import type { ArtifactStore } from './artifact-store';
import { allCacheEntries } from './cache-history';
import { checkInlineOutput, dropUnreferencedInline } from './inline-outputs';
import type { StateDocument } from './state-schema';

/**
 * Garbage collection of stored outputs: an output stays while a kept cache
 * entry or a stage record of a kept run refers to it; the rest go. With
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

/** Outputs referenced by the document's stage records and cache entries. */
export function referencedOutputs(doc: StateDocument): Set<string> {
  const used = new Set<string>();
  for (const records of Object.values(doc.stages)) {
    for (const record of Object.values(records)) if (record.outputHash) used.add(record.outputHash);
  }
  for (const entry of allCacheEntries(doc.cache)) used.add(entry.outputHash);
  return used;
}

/**
 * Removes the outputs nothing in `doc` refers to and, with `verify`, the
 * damaged ones. @throws DagbookError `STATE_IO` when the folder cannot be read or a file removed.
 */
export function collectGarbage(doc: StateDocument, artifacts: ArtifactStore, options: { readonly verify?: boolean } = {}): GarbageReport {
  const used = referencedOutputs(doc);
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
