import { sha256 } from '../canonical-json';
import { DagbookError } from '../errors';
import { INLINE_OUTPUT_MAX_BYTES } from '../limits';
import { decodeOutput } from '../output-codec';
import type { OutputCheck } from '../records';
import { isOutputHash } from './artifact-store';
import type { StateLine } from './log-record';
import type { StateDocument } from './state-schema';

/**
 * Small outputs kept inline instead of as files. An output whose stored form
 * (`output-codec`) is at most {@link INLINE_OUTPUT_MAX_BYTES} is written in
 * the log line of the first record that refers to it (a stage's success, or
 * a cache entry), so it becomes durable with that record, in the same group
 * commit, and never without it. Replaying the line puts it in the state
 * document's `outputs` (by sha256), which the snapshot carries; an output no
 * record or cache entry refers to any more is dropped when the snapshot is
 * rewritten. Readers find an output here first, then under `artifacts/`.
 */

/** Whether an output of this stored form is kept inline, at most `maxBytes` (UTF-8) long. */
export function isInlineSize(stored: string, maxBytes: number = INLINE_OUTPUT_MAX_BYTES): boolean {
  // Most outputs are decided without encoding: a UTF-16 unit is at most 3 UTF-8 bytes, and at least 1.
  if (stored.length * 3 <= maxBytes) return true;
  return stored.length <= maxBytes && Buffer.byteLength(stored, 'utf8') <= maxBytes;
}

/** The stored form of an inline output, when the document holds one under `hash`. */
export function inlineOutput(doc: StateDocument, hash: string): string | undefined {
  return isOutputHash(hash) && Object.prototype.hasOwnProperty.call(doc.outputs, hash) ? doc.outputs[hash] : undefined;
}

/**
 * Reads an inline output.
 * @throws DagbookError `STATE_CORRUPT` when its stored form does not hash to `hash` or cannot be read as an output.
 */
export function readInlineOutput(hash: string, stored: string, where: string): unknown {
  const actual = sha256(stored);
  if (actual !== hash) {
    throw new DagbookError('STATE_CORRUPT', `The output ${hash} kept inline in ${where} is damaged: its content hashes to ${actual}`, {
      data: { path: where, hash, actual },
    });
  }
  return decodeOutput(stored, `${where} (output ${hash})`);
}

/** Whether an inline output is whole: `ok` when its stored form hashes to `hash`. */
export function checkInlineOutput(hash: string, stored: string): OutputCheck {
  return sha256(stored) === hash ? 'ok' : 'corrupt';
}

/** The output hashes a state record refers to. */
function referencedBy(line: StateLine): (string | undefined)[] {
  if (line.kind === 'checkpoint') return [line.record.outputHash, line.entry?.outputHash];
  if (line.kind === 'cache') return [line.entry.outputHash];
  return [];
}

/**
 * Outputs stored but not yet in a record: what `putOutput` returned a hash
 * for, until the first record that refers to it carries it.
 */
export class PendingOutputs {
  private readonly pending = new Map<string, string>();

  /** Keeps a small output's stored form until a record refers to it. */
  add(hash: string, stored: string): void {
    this.pending.set(hash, stored);
  }

  /** A pending output's stored form. */
  get(hash: string): string | undefined {
    return this.pending.get(hash);
  }

  /**
   * The record with the pending outputs it refers to, those the document does
   * not hold yet, in its `outputs`; they stop being pending.
   */
  attach<T extends StateLine>(line: T, doc: StateDocument): T {
    let outputs: Record<string, string> | undefined;
    for (const hash of referencedBy(line)) {
      if (hash === undefined) continue;
      const stored = this.pending.get(hash);
      if (stored === undefined) continue;
      this.pending.delete(hash);
      if (inlineOutput(doc, hash) === undefined) (outputs ??= {})[hash] = stored;
    }
    return outputs === undefined ? line : { ...line, outputs };
  }
}

/** Drops the inline outputs no stage record or cache entry of `doc` refers to; returns their hashes, sorted. */
export function dropUnreferencedInline(doc: StateDocument, used: ReadonlySet<string>): string[] {
  const dropped: string[] = [];
  for (const hash of Object.keys(doc.outputs)) {
    if (!used.has(hash)) {
      delete doc.outputs[hash];
      dropped.push(hash);
    }
  }
  return dropped.sort();
}
