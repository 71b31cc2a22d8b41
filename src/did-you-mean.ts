/**
 * Suggestions for misspelt names ("did you mean `typing`?"), by edit distance.
 * The distance is the optimal string alignment one (restricted
 * Damerau–Levenshtein): swapping two neighbouring letters, the commonest typo
 * in a short name (`laod` for `load`), counts as one edit, not two. Written
 * here rather than taken from a package: it is a dozen lines over two rows.
 */

/**
 * Optimal string alignment distance between two strings: insertions,
 * deletions, substitutions and transpositions of two adjacent characters,
 * each one edit (no substring is edited twice).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, beforePrevious[j - 2] + 1);
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate closest to `name`, when it is close enough to be a likely
 * typo: a case-insensitive match, or within max(1, a third of the name's
 * length) edits. Ties go to the earlier candidate.
 */
export function closestMatch(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exactIgnoringCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactIgnoringCase !== undefined) return exactIgnoringCase;
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip what cannot be close (and a huge name costs nothing).
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `"; did you mean `x`?"` for the closest candidate, or an empty string. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const match = closestMatch(name, candidates);
  return match === undefined ? '' : `; did you mean \`${match}\`?`;
}
