import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { renderErrorAnalysis } from '../../src/display/error-analysis';
import type { Rendered } from '../../src/display/html';
import { renderMetricsCard } from '../../src/display/metrics-card';
import { renderPlanView } from '../../src/display/plan-view';
import { ProgressModel } from '../../src/display/progress-view';
import { renderStatusView } from '../../src/display/status-view';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { periodPlanOf } from './period-plan';
import { failedRecord, profilingDryRun, profilingEvents, profilingPlan, profilingRunResult, profilingStatus, T0 } from './profiling-fixture';

/**
 * Renders every notebook view of a profiling-shaped pipeline in headless
 * Chromium: no errors, pictures with a size, tables with their rows, and a
 * screenshot of each view to look at, always in `<tmp>/dagbook-screenshots/`.
 * With `DAGBOOK_UPDATE_SCREENSHOTS=1` each view's screenshot is also written
 * to docs/images/ (the README shows them); otherwise the run leaves the
 * working tree alone.
 */

const SHOTS = path.join(os.tmpdir(), 'dagbook-screenshots');
const DOC_IMAGES = path.join(__dirname, '..', '..', 'docs', 'images');
const UPDATE_DOC_IMAGES = process.env.DAGBOOK_UPDATE_SCREENSHOTS === '1';

/** The file name in docs/images/ of each view's screenshot. */
const DOC_IMAGE: Record<string, string> = {
  plan: 'plan-view.png',
  status: 'status-view.png',
  progress: 'progress-view.png',
  metrics: 'metrics-card.png',
  error: 'error-analysis.png',
};

function views(): Record<string, Rendered> {
  const plan = profilingPlan();
  const progress = new ProgressModel({
    stages: plan.order,
    estimatesMs: {
      import: 820, schema_snapshot: 35, typing: 1430, null_stats: 210, distinct_counts: 380, numeric_statistics: 2650, string_profiles: 510,
      temporal_coverage_and_gaps: 740, correlations: 4100, outliers: 960, semantic_types: 5000, quality_score: 95, report: 300,
    },
    maxAttempts: { semantic_types: 3 },
    parallelism: 4,
    startedAt: T0,
  });
  for (const event of profilingEvents()) progress.apply(event);
  return {
    plan: renderPlanView(plan, profilingDryRun()),
    status: renderStatusView(plan, profilingStatus(), T0 + 200_000),
    progress: progress.view(T0 + 9000),
    metrics: renderMetricsCard(plan, profilingRunResult()),
    error: renderErrorAnalysis({
      plan,
      stageId: 'semantic_types',
      record: failedRecord(),
      breaker: { key: 'llm-api', snapshot: { state: 'OPEN', failures: 3, openedAt: T0 + 40_000 }, recoveryTimeoutMs: 300_000 },
      runUsage: { tokens: 420 },
      now: T0 + 100_000,
    }),
  };
}

function page(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>dagbook views</title></head><body style="margin:16px;background:#f6f7f9">${body}</body></html>`;
}

/** Expected body rows of the tables of each view, in page order. */
const TABLE_ROWS: Record<string, number[]> = { plan: [13], status: [13], progress: [13], metrics: [13], error: [3] };

describe('notebook views in a browser', function () {
  this.timeout(60_000);
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  async function open(html: string): Promise<{ page: Page; errors: string[] }> {
    const p = await browser.newPage({ viewport: { width: 1120, height: 800 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    // Self-contained: any request for another resource is a defect.
    p.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') errors.push(`request: ${r.url()}`);
    });
    await p.setContent(html, { waitUntil: 'load' });
    return { page: p, errors };
  }

  describe('when every view is on one page', () => {
    it('renders without errors, with sized pictures and full tables', async () => {
      const all = views();
      const { page: p, errors } = await open(page(Object.values(all).map((v) => v.html).join('\n')));
      assert.deepEqual(errors, []);
      const boxes = await p.$$eval('svg', (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]));
      assert.equal(boxes.length, 2, 'the plan and status views each draw a DAG');
      for (const [w, h] of boxes) assert.ok(w > 300 && h > 150, `svg box ${w}x${h}`);
      const rows = await p.$$eval('table.dagbook-table', (tables) => tables.map((t) => t.querySelectorAll('tbody tr').length));
      assert.deepEqual(rows, Object.values(TABLE_ROWS).flat());
      assert.equal(await p.locator('script').count(), 0);
      await p.screenshot({ path: path.join(SHOTS, 'all.png'), fullPage: true });
      await p.close();
    });
  });

  for (const name of Object.keys(TABLE_ROWS)) {
    describe(`when the ${name} view is alone`, () => {
      it('renders without errors and is screenshotted', async () => {
        const view = views()[name];
        const { page: p, errors } = await open(page(view.html));
        assert.deepEqual(errors, []);
        const rows = await p.$$eval('table.dagbook-table', (tables) => tables.map((t) => t.querySelectorAll('tbody tr').length));
        assert.deepEqual(rows, TABLE_ROWS[name]);
        for (const [w, h] of await p.$$eval('svg', (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]))) {
          assert.ok(w > 0 && h > 0, `svg box ${w}x${h}`);
        }
        // Node labels fit inside their boxes (each box is sized for its whole id).
        const overflows = await p.$$eval('g.dagbook-node', (nodes) =>
          nodes
            .map((g) => {
              const rect = (g.querySelector('rect') as SVGRectElement).getBBox();
              const text = (g.querySelector('text') as SVGTextElement).getBBox();
              return { stage: g.getAttribute('data-stage'), fits: text.x >= rect.x && text.x + text.width <= rect.x + rect.width };
            })
            .filter((n) => !n.fits)
            .map((n) => n.stage),
        );
        assert.deepEqual(overflows, []);
        // The view alone, widened to its content so a wide table is not cut at the scroll edge.
        const shown = p.locator('.dagbook-view');
        const overflowPx = await shown.evaluate((v) => v.scrollWidth - v.clientWidth);
        if (overflowPx > 0) await p.setViewportSize({ width: 1120 + overflowPx, height: 800 });
        const shot = await shown.screenshot({ path: path.join(SHOTS, `${name}.png`) });
        if (UPDATE_DOC_IMAGES) {
          fs.mkdirSync(DOC_IMAGES, { recursive: true });
          fs.writeFileSync(path.join(DOC_IMAGES, DOC_IMAGE[name]), shot);
        }
        await p.close();
      });
    });
  }

  describe('when a pipeline has periods', () => {
    it('draws the plan as a grid of cells with a size and a tooltip each, and the progress as a strip of the periods', async () => {
      const plan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027', '2028', '2029'] }, [
        ['census', 'before'], ['needs', 'per'], ['hires', 'per'], ['terminations', 'per'], ['accumulate', 'per'], ['validate', 'per'], ['summary', 'after'],
      ]);
      const rows = plan.order.map((stageId) => {
        const late = ['2027', '2028', '2029'].includes(plan.stages[stageId].period ?? '') || stageId === 'summary';
        return { stageId, action: late ? ('run' as const) : ('skip' as const), reason: late ? 'param `terminationRate` changed' : 'up to date', deps: [] };
      });
      const progress = new ProgressModel({ stages: plan.order, startedAt: T0, periods: periodAxis(plan) as PeriodAxis });
      const { page: p, errors } = await open(
        page(renderPlanView(plan, { pipeline: 'workforce', rows, toRun: 19, estimatedMs: 0 }).html + progress.view(T0 + 1000).html),
      );
      assert.deepEqual(errors, []);
      const cells = await p.$$eval('table.dagbook-period-grid td[data-stage]', (tds) => tds.map((td) => [td.getAttribute('title'), td.getBoundingClientRect().width, td.getBoundingClientRect().height] as const));
      // census and summary once, five templates and the checkpoints per year.
      assert.equal(cells.length, 2 + 5 * 5 + 5);
      for (const [title, w, h] of cells) assert.ok(title !== null && w >= 30 && h >= 18, `${title}: ${w}x${h}`);
      assert.equal(await p.locator('.dagbook-periods > div').count(), 5);
      assert.equal(await p.locator('details').evaluate((d) => (d as HTMLDetailsElement).open), false);
      await p.locator('.dagbook-view').first().screenshot({ path: path.join(SHOTS, 'period-grid.png') });
      await p.close();
    });
  });
});
