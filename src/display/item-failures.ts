import type { ItemRecord } from '../records';
import { formatNumber, plural, truncate } from './format';
import { escapeHtml, renderTable, type Rendered } from './html';
import { shellWord, type ErrorAnalysisInput, type NextStep } from './next-step';
import { codeHtml, FONT_MONO, MUTED } from './palette';

/**
 * The failed items of a per-item stage grouped by error code, each group
 * with how many items, a few example ids, the first message and the next
 * step: retry the failed items when the cause may pass or is fixed in the
 * code or limits, skip the items when their input is bad. Pure: the item
 * records come from the store's item journal.
 */

/** Example item ids shown per group. */
export const EXAMPLE_IDS = 3;

/** Items a skip call names at most: a longer list is better fixed at the source. */
const MAX_SKIPPED = 10;

/** The failed items that share an error code. */
export interface ItemFailureGroup {
  /** The error code they failed with. */
  readonly code: string;
  /** The error class of the first of them. */
  readonly errorClass: string;
  /** Every item id of the group, the first to fail first. */
  readonly itemIds: readonly string[];
  /** The message of the first to fail. */
  readonly message: string;
}

/**
 * The failed records among `records` grouped by error code: the largest
 * group first (then by code); within a group, the first to end first (then by
 * id).
 */
export function groupItemFailures(records: Iterable<ItemRecord>): ItemFailureGroup[] {
  const byCode = new Map<string, ItemRecord[]>();
  for (const r of records) {
    if (r.status !== 'FAILED') continue;
    const code = r.error?.code ?? 'UNKNOWN';
    const list = byCode.get(code);
    if (list) list.push(r);
    else byCode.set(code, [r]);
  }
  const groups = [...byCode.entries()].map(([code, list]) => {
    const sorted = [...list].sort((a, b) => a.endedAt - b.endedAt || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
    const first = sorted[0];
    return { code, errorClass: first.error?.errorClass ?? 'transient', itemIds: sorted.map((r) => r.itemId), message: first.error?.message ?? '' };
  });
  return groups.sort((a, b) => b.itemIds.length - a.itemIds.length || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** A string as a JavaScript literal in single quotes. */
function jsString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** The call that runs the failed items of the stage again: `await wb.retryFailed('embed')` or `npx dagbook run <file> --retry-failed`. */
export function retryFailedCall(input: Pick<ErrorAnalysisInput, 'stageId' | 'callPrefix' | 'target'>): string {
  const target = input.target ?? { kind: 'notebook' };
  if (target.kind === 'notebook') return `${input.callPrefix ?? 'await wb.'}retryFailed(${jsString(input.stageId)})`;
  const words = ['npx', 'dagbook', 'run', target.pipelineFile, '--retry-failed', ...(target.stateDir === undefined ? [] : ['--state-dir', target.stateDir])];
  return words.map(shellWord).join(' ');
}

/** The call that runs the stage leaving these items out: `await wb.run('embed', { items: { skip: ['a'] } })` or `npx dagbook run <file> embed --skip-item a`. */
export function skipItemsCall(input: Pick<ErrorAnalysisInput, 'stageId' | 'callPrefix' | 'target'>, itemIds: readonly string[]): string {
  const target = input.target ?? { kind: 'notebook' };
  if (target.kind === 'notebook') {
    return `${input.callPrefix ?? 'await wb.'}run(${jsString(input.stageId)}, { items: { skip: [${itemIds.map(jsString).join(', ')}] } })`;
  }
  const words = [
    'npx', 'dagbook', 'run', target.pipelineFile, input.stageId,
    ...itemIds.flatMap((id) => ['--skip-item', id]),
    ...(target.stateDir === undefined ? [] : ['--state-dir', target.stateDir]),
  ];
  return words.map(shellWord).join(' ');
}

/** What to do about one group of failed items, with the exact call. */
export function itemGroupStep(input: Pick<ErrorAnalysisInput, 'stageId' | 'callPrefix' | 'target'>, group: ItemFailureGroup): NextStep {
  const retry = retryFailedCall(input);
  const n = group.itemIds.length;
  const them = n === 1 ? 'it' : 'them';
  switch (group.code) {
    case 'CIRCUIT_OPEN':
      return { advice: `the breaker was open: wait for it to half-open, then retry the failed items`, call: retry };
    case 'BUDGET_EXHAUSTED':
      return { advice: 'a budget ran out: raise it, then retry the failed items', call: retry };
    case 'STAGE_TIMEOUT':
      return { advice: `${n === 1 ? 'the item' : 'the items'} ran past the stage's timeoutMs: raise \`timeoutMs\`, then retry the failed items`, call: retry };
    default:
      break;
  }
  switch (group.errorClass) {
    case 'logic':
      return { advice: `a bug in the stage's code (${truncate(group.message.split('\n')[0], 100)}): fix it, then retry the failed items`, call: retry };
    case 'persistent':
      return n <= MAX_SKIPPED
        ? { advice: `the input of ${n === 1 ? 'the item' : 'these items'} is bad (the message says what): fix ${them} at the source and retry, or skip ${them}`, call: skipItemsCall(input, group.itemIds) }
        : { advice: `the input of ${formatNumber(n)} items is bad (the message says what): fix them at the source, then retry the failed items`, call: retry };
    case 'resource':
      return { advice: 'a resource ran out (the message says which): free it or raise its limit, then retry the failed items', call: retry };
    default:
      return { advice: 'the error looks temporary: retry the failed items', call: retry };
  }
}

/** `docs/a.md, docs/b.md, docs/c.md and 4 more`. */
function examplesText(ids: readonly string[]): string {
  const shown = ids.slice(0, EXAMPLE_IDS).join(', ');
  return ids.length > EXAMPLE_IDS ? `${shown} and ${formatNumber(ids.length - EXAMPLE_IDS)} more` : shown;
}

/**
 * The failed items of a stage by error code, as a table (HTML) and a block of
 * lines (text): per group its code and class, how many items, up to 3
 * example ids, the first message and the next step with its call.
 */
export function renderItemFailures(input: Pick<ErrorAnalysisInput, 'stageId' | 'callPrefix' | 'target'>, groups: readonly ItemFailureGroup[]): Rendered {
  const total = groups.reduce((sum, g) => sum + g.itemIds.length, 0);
  const title = `failed items by error code (${plural(total, 'item')}, ${plural(groups.length, 'code')})`;
  const steps = groups.map((g) => itemGroupStep(input, g));
  const text = [
    `${title}:`,
    ...groups.flatMap((g, i) => [
      `  ${g.code} (${g.errorClass}): ${plural(g.itemIds.length, 'item')}: ${examplesText(g.itemIds)}`,
      `    first message: ${g.message.split('\n')[0]}`,
      `    next step: ${steps[i].advice}`,
      `      ${steps[i].call}`,
    ]),
  ].join('\n');
  const table = renderTable(
    [{ title: 'code', mono: true }, { title: 'items', align: 'right' }, { title: 'examples', mono: true, nowrap: false }, { title: 'first message', nowrap: false }, { title: 'next step', nowrap: false }],
    groups.map((g, i) => [
      { text: g.code, html: `<b style="font-family:${FONT_MONO};color:#b91c1c">${escapeHtml(g.code)}</b> <span style="color:${MUTED};font-family:inherit">${escapeHtml(g.errorClass)}</span>` },
      formatNumber(g.itemIds.length),
      examplesText(g.itemIds),
      g.message.split('\n')[0],
      { text: steps[i].advice, html: `${escapeHtml(steps[i].advice)}<div style="margin-top:3px">${codeHtml(steps[i].call)}</div>` },
    ]),
  );
  return { html: table.html, text };
}
