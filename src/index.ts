/**
 * dagbook's public API. Named exports only, listed on purpose.
 */
export { VERSION, versions } from './version';
export {
  DagbookError,
  NonRetryableError,
  isDagbookError,
  isNonRetryableError,
  hasErrorCode,
} from './errors';
export type { ErrorCode, ErrorClass, PlanIssue } from './errors';
export { systemClock, ManualClock } from './clock';
export type { Clock } from './clock';
export { seededRandom, systemRandom } from './random';
export type { RandomSource } from './random';
export { escapeHtml, renderTable } from './display/html';
export type { Rendered } from './display/html';
export { inNotebook, show, newLiveDisplay } from './display/notebook-display';
export type { LiveDisplay, TextSink } from './display/notebook-display';
