import { formatDuration } from '../display/format';
import { escapeHtml, type Rendered } from '../display/html';
import { ranOnText } from '../display/worker-text';
import type { PipelineEvent } from '../events/event';
import type { RunResult } from '../run/run-pipeline';

/**
 * Small views of the workbench that have no home among the display renderers,
 * and the one-line notebook summary of the values its calls return.
 */

/**
 * The one-line answer to re-running an up-to-date section: every stage was a
 * cache hit, so nothing ran.
 */
export function renderUpToDate(result: RunResult): Rendered {
  const ids = Object.keys(result.stages);
  const label = ids.length === 1 ? `\`${ids[0]}\` is up to date` : `all ${ids.length} stages are up to date`;
  const text = `✓ ${label} (cache hit: code, params and inputs unchanged; nothing ran)`;
  const html = `<div style="font-family:system-ui,sans-serif;font-size:13px;padding:6px 10px;border-left:4px solid #2e7d32;background:#f1f8f1"><b style="color:#2e7d32">✓ up to date</b> — ${escapeHtml(label.replace(/`/g, ''))}: cache hit, code, params and inputs unchanged; nothing ran.</div>`;
  return { html, text };
}

/** One line per notable event (a failed item of a per-item stage included, not its progress reports), for plain-text output (outside a notebook); undefined for the rest. */
export function renderEventLine(event: PipelineEvent): string | undefined {
  const at = event.timestamp.slice(11, 23);
  switch (event.type) {
    case 'STEP_START':
    case 'STEP_SUCCESS':
    case 'STEP_FAILURE':
    case 'STEP_RETRY':
    case 'STEP_SKIPPED':
    case 'CIRCUIT_BREAKER':
    case 'BUDGET_WARNING':
    case 'VALIDATION_ERROR':
    case 'ITEM_FAILURE':
    case 'ALERT':
    case 'CANCELLED':
    case 'PIPELINE_COMPLETE':
      return `${at} ${event.level.padEnd(5)} ${readableDurations(event)}${ranOn(event)}`;
    default:
      return undefined;
  }
}

/**
 * The event's message with its duration as people read it (`in 1.4 s`, not
 * `in 1356.4299999 ms`). The message keeps the exact figure for the event log;
 * the figure is the one in the metadata, so it is found as written.
 */
function readableDurations(event: PipelineEvent): string {
  const ms = event.type === 'STEP_SUCCESS' ? event.metadata.durationMs : event.type === 'STEP_RETRY' ? event.metadata.delayMs : undefined;
  return ms === undefined ? event.message : event.message.replace(`in ${ms} ms`, `in ${formatDuration(ms)}`);
}

/** ` (on worker host:123)` for an attempt's end that a queue worker ran; empty otherwise. */
function ranOn(event: PipelineEvent): string {
  const worker = event.type === 'STEP_SUCCESS' || event.type === 'STEP_FAILURE' ? event.metadata.worker : undefined;
  return worker === undefined ? '' : ` (${ranOnText(worker)})`;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Gives a returned value a one-line summary for the notebook: tslab prints a
 * cell's last value with util.inspect (console.log). When the value's view
 * was already rendered (`shown`), the summary is empty, so the view is all the
 * cell shows; otherwise (a quiet workbench) it is `[summary]`. The property is
 * a non-enumerable symbol, so the data (and its JSON) is unchanged. Returns
 * `value` itself.
 */
export function summarised<T extends object>(value: T, summary: string, shown = false): T {
  const text = shown ? '' : `[${summary}]`;
  // Configurable, so a value shown twice (a DataFrame passed to wb.table again) can be summarised again.
  Object.defineProperty(value, INSPECT, { value: () => text, enumerable: false, configurable: true });
  return value;
}
