/** A source of uniform numbers in [0, 1); injected so jitter is testable. */
export type RandomSource = () => number;

/** The real source. */
export const systemRandom: RandomSource = Math.random;

/**
 * A seeded, repeatable source (mulberry32): the same seed yields the same
 * sequence, so tests assert exact jittered delays.
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
