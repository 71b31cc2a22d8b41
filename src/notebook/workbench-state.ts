import * as path from 'node:path';
import type { Clock } from '../clock';
import { projectFolder } from '../project-folder';
import type { CacheOptions } from '../store/cache-policy';
import { openDurableStore, type DurableStore } from '../store/durable-store';
import { openStateReader, type StateReader } from '../store/state-reader';

/**
 * How the workbench reaches a pipeline's state: a call that writes (run,
 * resume, reset, gc) opens the durable store, which takes the single-writer
 * lock, and closes it (releasing the lock) when the call ends; a call that
 * reads (status, plan, errors, output, table) opens a state reader, which
 * never takes the lock. So nothing is held between cells: another kernel or
 * the CLI can run the pipeline between two cells, and be watched while it does.
 * {@link defaultStateDir} says where the state folder is when none is given.
 */
export class WorkbenchState {
  constructor(
    private readonly options: {
      /** The state folder. */
      readonly stateDir: string;
      /** Pipeline name. */
      readonly pipeline: string;
      /** The store's time source. */
      readonly clock: Clock;
      /** Cache history options. */
      readonly cache?: CacheOptions;
      /** Where a note about state rebuilt from the run logs goes. */
      readonly note: (line: string) => void;
    },
  ) {}

  /** Runs `fn` with the store open for writing (holding its lock), and closes it after. */
  async write<T>(fn: (store: DurableStore) => Promise<T>): Promise<T> {
    const { stateDir, pipeline, clock, cache } = this.options;
    const store = await openDurableStore({ stateDir, pipeline, clock, ...(cache ? { cache } : {}) });
    const recovered = store.recovered;
    if (recovered) {
      this.options.note(
        `Note: ${recovered.path} was unusable (${recovered.problem}); it was moved aside and the state rebuilt from ${recovered.runsRebuilt.length} run log(s).`,
      );
    }
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  /** Runs `fn` with a reader of the state (no lock). */
  async read<T>(fn: (reader: StateReader) => Promise<T>): Promise<T> {
    const reader = await openStateReader({ stateDir: this.options.stateDir, pipeline: this.options.pipeline });
    try {
      return await fn(reader);
    } finally {
      await reader.close();
    }
  }
}

/** `state/` beside the nearest package.json above `from`, else `<from>/state`. */
export function defaultStateDir(from: string): string {
  return path.join(projectFolder(from), 'state');
}
