import { chain, median, round3 } from './harness';
import { durableRun } from './orchestration';

/**
 * Cost per stage as the pipeline grows (100, 1,000, 10,000 stages in a
 * chain, durable store): it must stay flat. The snapshot (`db.json`) is
 * rewritten whole, so a rewrite per checkpoint would make this quadratic.
 */

/** Figures of {@link benchScaling}: median ms per stage by stage count. */
export interface ScalingFigures {
  readonly perStageMs100: number;
  readonly perStageMs1000: number;
  readonly perStageMs10000: number;
  /** `[stages, median ms per stage]` pairs. */
  readonly curve: [number, number][];
}

/** Runs the scaling benchmark; `repeats` per size (fewer for the largest). */
export async function benchScaling(repeats = 5, log: (line: string) => void = () => {}): Promise<ScalingFigures> {
  const curve: [number, number][] = [];
  for (const [n, reps] of [
    [100, repeats],
    [1000, repeats],
    [10000, Math.max(1, Math.min(repeats, 3))],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) samples.push((await durableRun(`scale-${n}`, chain(n))).firstMs / n);
    curve.push([n, round3(median(samples))]);
    log(`  ${n} stages: ${samples.map(round3).join(', ')} ms/stage (median ${round3(median(samples))})`);
  }
  return { perStageMs100: curve[0][1], perStageMs1000: curve[1][1], perStageMs10000: curve[2][1], curve };
}
