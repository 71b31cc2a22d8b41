/**
 * Human formatting of durations, times, counts and hashes, shared by every
 * view so a duration reads the same in a plan, a progress bar and an error.
 */

/**
 * A duration for people: `12 ms`, `1.4 s`, `42 s`, `2 min 5 s`, `12 min`,
 * `1 h 5 min`. Negative or non-finite input reads as `—`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 9950) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 10) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  const totalMinutes = Math.round(ms / 60_000);
  if (totalMinutes < 60) return `${totalMinutes} min`;
  const hours = Math.floor(totalMinutes / 60);
  const restMinutes = totalMinutes % 60;
  return restMinutes === 0 ? `${hours} h` : `${hours} h ${restMinutes} min`;
}

/** A coarse span for relative times: `12 s`, `3 min`, `2 h`, `4 d`. */
function coarseSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.round(ms / 3_600_000);
  if (h < 48) return `${h} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/**
 * When `at` is, seen from `now` (both ms since epoch): `just now`,
 * `3 min ago`, `in 4 min`.
 */
export function formatRelative(at: number, now: number): string {
  const delta = now - at;
  if (Math.abs(delta) < 5000) return 'just now';
  return delta > 0 ? `${coarseSpan(delta)} ago` : `in ${coarseSpan(-delta)}`;
}

/** ISO-8601 time of `ms` since epoch, to the second (`2024-05-01T12:04:00Z`). */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An integer or decimal with thousands separators: `12,345`, `0.25`. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(n * 100) / 100;
  const [whole, frac] = String(Math.abs(rounded)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** A ratio as a whole percent: `84%`. */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** The first 8 characters of a hash. */
export function shortHash(hash: string): string {
  return hash.slice(0, 8);
}

/** A plain-text bar: `[#####-----] 50%` (`width` characters between the brackets). */
export function textBar(ratio: number, width = 10): string {
  const r = Math.min(1, Math.max(0, ratio));
  const filled = Math.round(r * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatPercent(r)}`;
}

/** `1 stage`, `2 stages`. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** Shortens text to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** A size in bytes: "812 B", "12.4 KB", "3.1 MB" (1 KB = 1024 B). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
