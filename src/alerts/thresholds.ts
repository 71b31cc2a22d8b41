import type { AlertLevel } from '../events/event';
import type { PlanAlertLevels } from '../plan/plan';

/**
 * The pure core of alerting: which level a value reaches against a metric's
 * thresholds, and whether that is news given the level already raised. An
 * alert is raised once per stage, metric and level; a value that jumps past
 * both thresholds at once raises CRITICAL only (a WARNING after it would say
 * less than what was already said).
 */

const RANK: Readonly<Record<AlertLevel, number>> = { WARNING: 1, CRITICAL: 2 };

/** The highest level `value` reaches (a threshold is reached at equality), or undefined below the warning. */
export function levelReached(value: number, levels: PlanAlertLevels): AlertLevel | undefined {
  if (value >= levels.critical) return 'CRITICAL';
  if (value >= levels.warning) return 'WARNING';
  return undefined;
}

/** The level to raise now: the one `value` reaches when it is above `raised` (the highest raised so far), else undefined. */
export function levelToRaise(value: number, levels: PlanAlertLevels, raised: AlertLevel | undefined): AlertLevel | undefined {
  const reached = levelReached(value, levels);
  if (reached === undefined) return undefined;
  return raised !== undefined && RANK[raised] >= RANK[reached] ? undefined : reached;
}

/** The threshold of `level` among `levels`. */
export function thresholdOf(levels: PlanAlertLevels, level: AlertLevel): number {
  return level === 'CRITICAL' ? levels.critical : levels.warning;
}

/** The median of `values` (the mean of the middle two for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
