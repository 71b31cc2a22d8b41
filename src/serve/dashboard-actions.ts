import { escapeHtml } from '../display/html';
import type { Plan } from '../plan/plan';
import { stageNames } from '../plan/select';
import type { ItemRecord } from '../records';

/**
 * The dashboard's buttons, drawn into a pipeline's fragment as plain HTML
 * with `data-action` attributes; the page's script (dashboard-page.ts) posts
 * them to control-routes.ts and shows the answer. Each button names what it
 * acts on in its attributes, so the script needs no other knowledge of the
 * pipeline:
 * - `run` (a stage, or the whole pipeline without `data-stage`), and
 *   `enable`/`disable` per stage, in the stage strip;
 * - `cancel` on the run going on (`data-run`);
 * - `retry-failed` per per-item stage with failed items.
 */

/** A button. */
function button(action: string, label: string, attributes: Readonly<Record<string, string>>, title: string): string {
  const extra = Object.entries(attributes)
    .map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`)
    .join('');
  return `<button type="button" class="action" data-action="${action}"${extra} title="${escapeHtml(title)}">${escapeHtml(label)}</button>`;
}

/** The "run all" button of a pipeline's header. */
export function runAllButton(): string {
  return button('run', 'run all', {}, 'Run the whole pipeline (up-to-date stages are restored from cache)');
}

/** One line per stage (as written: a per-period stage once) with its run and enable/disable buttons. */
export function stageControls(plan: Plan): string {
  const rows = stageNames(plan).map((name) => {
    const ids = plan.order.filter((id) => id === name || plan.stages[id].template === name);
    const enabled = ids.some((id) => plan.stages[id].enabled);
    const fromDashboard = ids.some((id) => plan.stages[id].enabledFrom === 'dashboard');
    const note = enabled ? (fromDashboard ? ' <span class="stage-note">enabled from the dashboard</span>' : '') : ` <span class="stage-note">${fromDashboard ? 'disabled from the dashboard' : 'disabled in config'}</span>`;
    const toggle = enabled
      ? button('enable', 'disable', { stage: name, enabled: 'false' }, `Disable \`${name}\` for the next runs (kept with the state, over the definition)`)
      : button('enable', 'enable', { stage: name, enabled: 'true' }, `Enable \`${name}\` for the next runs (kept with the state, over the definition)`);
    return (
      `<span class="stage-control${enabled ? '' : ' disabled'}" data-stage="${escapeHtml(name)}"><code>${escapeHtml(name)}</code>${note} ` +
      `${button('run', 'run', { stage: name }, `Run \`${name}\` and what it needs`)}${toggle}</span>`
    );
  });
  return `<div class="part part-actions">${rows.join('')}</div>`;
}

/** The cancel button of the run going on. */
export function cancelButton(runId: string): string {
  return button('cancel', 'cancel run', { run: runId }, `Cancel run ${runId}: running stages are aborted, no new one starts`);
}

/** A "retry failed" button per per-item stage with failed items (as its latest records say), for the item grid. */
export function retryFailedButtons(itemRecords: Readonly<Record<string, ReadonlyMap<string, ItemRecord>>>): string {
  const buttons: string[] = [];
  for (const [stage, records] of Object.entries(itemRecords)) {
    let failed = 0;
    for (const record of records.values()) if (record.status === 'FAILED') failed++;
    if (failed > 0) buttons.push(button('retry-failed', `retry ${failed} failed of ${stage}`, { stage }, `Run again the ${failed} item(s) of \`${stage}\` that failed, and what follows them`));
  }
  return buttons.length === 0 ? '' : `<div class="retry-failed">${buttons.join('')}</div>`;
}
