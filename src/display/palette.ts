import { escapeHtml } from './escape-html';

/**
 * The one palette of every view: a colour per state, so "running" is the
 * same blue in the DAG, a badge and a progress bar. Green means done or up to
 * date, blue running, amber will run or retrying, red failed, grey blocked,
 * disabled, skipped or cancelled, outlined white not yet run, orange
 * partial (a per-item stage or a run that went on past failed items).
 */

/** How one state is drawn. */
export interface StateStyle {
  /** Label shown to people: `will run`, `succeeded`. */
  readonly label: string;
  /** Background fill. */
  readonly fill: string;
  /** Border and bar colour. */
  readonly stroke: string;
  /** Text colour on the fill. */
  readonly ink: string;
  /** Dashed border (states where nothing happened yet). */
  readonly dashed?: boolean;
  /** One character standing for the state where a colour cannot be shown (text grids) or beside it (for colour-blind readers). */
  readonly symbol: string;
}

const GREEN = { fill: '#dcfce7', stroke: '#16a34a', ink: '#14532d' };
const TEAL = { fill: '#ccfbf1', stroke: '#0d9488', ink: '#134e4a' };
const BLUE = { fill: '#dbeafe', stroke: '#2563eb', ink: '#1e3a8a' };
const AMBER = { fill: '#fef3c7', stroke: '#d97706', ink: '#78350f' };
const RED = { fill: '#fee2e2', stroke: '#dc2626', ink: '#7f1d1d' };
const ORANGE = { fill: '#ffedd5', stroke: '#ea580c', ink: '#7c2d12' };
const GREY = { fill: '#f1f5f9', stroke: '#94a3b8', ink: '#475569' };
const WHITE = { fill: '#ffffff', stroke: '#94a3b8', ink: '#475569', dashed: true };

const STYLES: Readonly<Record<string, StateStyle>> = {
  // dry-run actions
  run: { label: 'will run', symbol: '▶', ...AMBER },
  skip: { label: 'up to date', symbol: '✓', ...GREEN },
  disabled: { label: 'disabled', symbol: '○', ...GREY, dashed: true },
  blocked: { label: 'blocked', symbol: '■', ...GREY },
  // stage statuses
  SUCCEEDED: { label: 'succeeded', symbol: '✓', ...GREEN },
  CACHED: { label: 'cached', symbol: '≡', ...TEAL },
  RUNNING: { label: 'running', symbol: '▶', ...BLUE },
  RETRYING: { label: 'retrying', symbol: '↻', ...AMBER },
  PENDING: { label: 'pending', symbol: '·', ...WHITE },
  NEVER_RUN: { label: 'never run', symbol: '·', ...WHITE },
  FAILED: { label: 'failed', symbol: '✗', ...RED },
  PARTIAL: { label: 'partial', symbol: '◐', ...ORANGE },
  BLOCKED: { label: 'blocked', symbol: '■', ...GREY },
  SKIPPED: { label: 'skipped', symbol: '○', ...GREY, dashed: true },
  CANCELLED: { label: 'cancelled', symbol: '⊘', ...GREY },
  // run statuses that are not stage statuses
  STALE: { label: 'stale', symbol: '!', ...AMBER },
};

/** Order of states in legends and counts: done, active, waiting, bad, inert. */
export const STATE_ORDER: readonly string[] = [
  'skip', 'run', 'disabled', 'blocked',
  'SUCCEEDED', 'CACHED', 'RUNNING', 'RETRYING', 'PENDING', 'NEVER_RUN', 'PARTIAL', 'FAILED', 'BLOCKED', 'SKIPPED', 'CANCELLED',
];

/** The style of a state (dry-run action or stage status); unknown states are grey with their own name. */
export function stateStyle(state: string): StateStyle {
  return STYLES[state] ?? { label: state.toLowerCase().replace(/_/g, ' '), symbol: '?', ...GREY };
}

/** States sorted in legend order (unknown ones last, by name). */
export function sortStates(states: Iterable<string>): string[] {
  const rank = (s: string) => {
    const i = STATE_ORDER.indexOf(s);
    return i === -1 ? STATE_ORDER.length : i;
  };
  return [...new Set(states)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Body font stack: the system sans-serif. */
export const FONT_SANS = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif";
/** Font stack for ids, hashes and calls. */
export const FONT_MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace";
/** Main text colour. */
export const INK = '#1f2937';
/** Secondary text colour. */
export const MUTED = '#6b7280';
/** Light rule colour. */
export const RULE = '#e5e7eb';

/** A pill-shaped label in a state's colours. */
export function badgeHtml(state: string, label = stateStyle(state).label): string {
  const s = stateStyle(state);
  const border = `1px ${s.dashed ? 'dashed' : 'solid'} ${s.stroke}`;
  return `<span style="display:inline-block;padding:0 7px;border-radius:9px;border:${border};background:${s.fill};color:${s.ink};font-size:11.5px;line-height:17px;white-space:nowrap;vertical-align:middle">${escapeHtml(label)}</span>`;
}

/** Inline monospace text (an id, a hash, a call). */
export function codeHtml(text: string): string {
  return `<code style="font-family:${FONT_MONO};font-size:12px;background:#f3f4f6;border-radius:3px;padding:0 3px;color:${INK}">${escapeHtml(text)}</code>`;
}

/**
 * Text with `backticked` spans shown as inline code, the rest escaped:
 * reasons such as "param `x` changed" read the same in HTML and text.
 */
export function richTextHtml(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.length > 1 && part.startsWith('`') && part.endsWith('`') ? codeHtml(part.slice(1, -1)) : escapeHtml(part)))
    .join('');
}

/** The frame every view sits in: white card, system font, light border. */
export function cardHtml(body: string): string {
  return `<div class="dagbook-view" style="font-family:${FONT_SANS};font-size:13px;line-height:1.45;color:${INK};background:#ffffff;border:1px solid ${RULE};border-radius:8px;padding:12px 14px;margin:4px 0;max-width:100%;box-sizing:border-box;overflow-x:auto">${body}</div>`;
}

/** A horizontal bar in HTML: `ratio` of `widthPx` filled in a state's colour. */
export function barHtml(ratio: number, state: string, widthPx = 120): string {
  const r = Math.min(1, Math.max(0, ratio));
  const s = stateStyle(state);
  return `<div style="display:inline-block;vertical-align:middle;width:${widthPx}px;height:8px;border-radius:4px;background:#eef2f7;overflow:hidden"><div style="width:${(r * 100).toFixed(1)}%;height:100%;background:${s.stroke};border-radius:4px"></div></div>`;
}
