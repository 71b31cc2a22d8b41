/**
 * Critical-path priorities: for each stage, the length of the longest chain
 * of work from the stage to the end of the pipeline, itself included. Among
 * ready stages the one with the longest remaining chain starts first, so the
 * run's wall time is bounded by its critical path rather than by the order
 * stages were declared in.
 */

/** Inputs of {@link criticalPathLengths}. */
export interface CriticalPathInput {
  /** Stage ids in a topological order (deps first). */
  readonly order: readonly string[];
  /** Dependents of each stage. */
  readonly dependents: Readonly<Record<string, readonly string[]>>;
  /** Known durations, ms (from history); missing ones count as `defaultMs`. */
  readonly durations?: Readonly<Record<string, number>>;
  /** Duration assumed for a stage with no history, ms. @default 1 */
  readonly defaultMs?: number;
}

/** Longest remaining path (ms, own duration included) for every stage. */
export function criticalPathLengths(input: CriticalPathInput): Record<string, number> {
  const durations = input.durations ?? {};
  const fallback = input.defaultMs ?? 1;
  const lengths: Record<string, number> = {};
  for (let i = input.order.length - 1; i >= 0; i--) {
    const id = input.order[i];
    let longest = 0;
    for (const next of input.dependents[id] ?? []) {
      const l = lengths[next];
      if (l !== undefined && l > longest) longest = l;
    }
    lengths[id] = longest + (durations[id] ?? fallback);
  }
  return lengths;
}
