import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { closeDashboardServers, dashboardServer, renderDashboardFrame } from '../../src/notebook/workbench-dashboard';
import { openWorkbench } from '../../src/notebook/workbench';
import { loadServedPipelines } from '../../src/serve/served-pipelines';
import { startStatusServer, type StatusServer } from '../../src/serve/status-server';
import { makeTrialProject, runHere, runInChild, type TrialProject } from './serve-fixture';

/**
 * The dashboard in headless Chromium, served over real state: it draws
 * without a console error or a failed request, a screenshot of it is taken,
 * and a run started after the page loaded shows up on it without a reload.
 */

describe('dashboard in a browser', function () {
  this.timeout(90_000);
  let browser: Browser;
  let project: TrialProject;
  let server: StatusServer;

  before(async () => {
    project = makeTrialProject();
    project.setTrials([
      { id: 't1', score: 1.5 },
      { id: 't2', score: 0.7 },
      { id: 't3', score: 0, fail: true },
    ]);
    await runHere(project);
    server = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), port: 0 });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await closeDashboardServers();
  });

  describe('when opened after a run', () => {
    it('draws the DAG, the item grid and the error analysis with no console error, then shows a later run live', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
  });
      page.on('requestfailed', (r) => {
        // The event streams are cut when the page closes; nothing else may fail.
        if (!r.url().includes('/events')) problems.push(`requestfailed: ${r.url()}`);
      });
      await page.goto(`${server.url}/`);
      await page.waitForSelector('#live.on');
      const section = page.locator('section[data-pipeline="trials"]');
      assert.equal(await section.locator('svg').count() >= 1, true);
      assert.equal(await section.locator('.dagbook-item-grid .dagbook-item-cell').count(), 6);
      assert.equal(await section.locator('.dagbook-item-cell[data-state="FAILED"]').count(), 1);
      assert.equal(await section.locator('.item-count[data-state="deployed"]').textContent(), '2 deployed');
      assert.match((await section.locator('.part-errors').textContent()) ?? '', /no fills for trial t3/);
      const shot = path.join(project.dir, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(fs.statSync(shot).size > 10_000, `screenshot ${fs.statSync(shot).size} bytes`);

      // A run begun after the page loaded: its progress appears, then its end, without a reload.
      const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
      project.setTrials([{ id: 't1', score: 1.5 }, { id: 't2', score: 0.7 }, { id: 't3', score: 0, fail: true }, { id: 't4', score: 2 }]);
      project.closeGate();
      const child = runInChild(project);
      try {
        await page.waitForSelector('section[data-pipeline="trials"] .part-progress', { timeout: 30_000 });
        const runId = await section.locator('.part-progress').getAttribute('data-run');
        assert.match(runId ?? '', /^run_/);
        project.openGate();
        assert.equal(await child.exit, 0);
        await page.waitForFunction(
          (id) => !document.querySelector('section[data-pipeline="trials"] .part-progress') && (document.querySelector('section[data-pipeline="trials"] .pipeline-line')?.textContent ?? '').includes(id as string),
          runId,
          { timeout: 30_000 },
        );
        assert.equal(await section.locator('.item-count[data-state="deployed"]').textContent(), '3 deployed');
        await page.screenshot({ path: path.join(project.dir, 'dashboard-after-run.png'), fullPage: true });
      } finally {
        project.openGate();
        child.child.kill('SIGKILL');
      }
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), before);
      await page.close();
      assert.deepEqual(problems, []);
    });
  });

  describe('when its buttons are clicked, opened once with the token', () => {
    it('runs a stage from its button, shows the run live until it ends, and disables a stage', async () => {
      const token = 'b1tt0ns';
      const guarded = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), port: 0, token });
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const problems = watchProblems(page);
      try {
        await page.goto(`${guarded.url}/?token=${token}`);
        await page.waitForSelector('#live.on');
        assert.equal(page.url(), `${guarded.url}/`);
        const section = page.locator('section[data-pipeline="trials"]');
        project.closeGate();
        await section.locator('.part-actions [data-stage="backtest"] button[data-action="run"]').click();
        await page.waitForFunction(() => /^started run run_/.test(document.getElementById('outcome')?.textContent ?? ''));
        const runId = ((await page.locator('#outcome').textContent()) ?? '').slice('started run '.length);
        await page.waitForSelector(`section[data-pipeline="trials"] .part-progress[data-run="${runId}"] button[data-action="cancel"]`, { timeout: 30_000 });
        project.openGate();
        await page.waitForFunction(
          (id) => !document.querySelector('section[data-pipeline="trials"] .part-progress') && (document.querySelector('section[data-pipeline="trials"] .pipeline-line')?.textContent ?? '').includes(id as string),
          runId,
          { timeout: 30_000 },
        );

        await section.locator('.part-actions [data-stage="deploy"] button[data-action="enable"]').click();
        await page.waitForFunction(() => document.getElementById('outcome')?.textContent === 'deploy disabled for the next runs');
        await page.waitForSelector('section[data-pipeline="trials"] .stage-control.disabled[data-stage="deploy"]');
        assert.equal(await section.locator('.stage-control[data-stage="deploy"] .stage-note').textContent(), 'disabled from the dashboard');
        await section.locator('.part-actions [data-stage="deploy"] button[data-action="enable"]').click();
        await page.waitForFunction(() => document.getElementById('outcome')?.textContent === 'deploy enabled for the next runs');
        await page.waitForSelector('section[data-pipeline="trials"] .stage-control:not(.disabled)[data-stage="deploy"]');
        assert.deepEqual(problems, []);
      } finally {
        project.openGate();
        await page.close();
        await guarded.close();
      }
    });

    it('greys its buttons and says why when the page was opened without the token', async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.url}/`);
        await page.waitForSelector('#live.on');
        await page.locator('section[data-pipeline="trials"] .pipeline-line button[data-action="run"]').click();
        assert.equal(await page.locator('#outcome').textContent(), 'Actions are off: start `dagbook serve` with --token <token> to enable them');
      } finally {
        await page.close();
      }
    });
  });

  describe('when a notebook asks wb.dashboard()', () => {
    it('serves the workbench’s pipeline on a loopback port, reuses the server, and shows it in a frame', async () => {
      const lines: string[] = [];
      const wb = await openWorkbench(project.file, { stateDir: project.stateDir, sink: (text) => lines.push(text) });
      const url = await wb.dashboard();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(await wb.dashboard(), url);
      assert.deepEqual(lines, [`Dashboard at ${url} (open it in a browser)`, `Dashboard at ${url} (open it in a browser)`]);
      const status = (await (await fetch(`${url}status`)).json()) as { pipelines: { name: string }[] };
      assert.deepEqual(status.pipelines.map((p) => p.name), ['trials']);
      const page = await browser.newPage();
      await page.setContent(`<iframe src="${url}" style="width:1000px;height:700px"></iframe>`);
      const frame = page.frameLocator('iframe');
      await frame.locator('#live.on').waitFor();
      assert.equal(await frame.locator('section[data-pipeline="trials"] h2').textContent(), 'trials');
      await page.close();
    });

    it('takes actions from its frame in a page of another site, the token coming once in the frame’s address', async () => {
      const wb = await openWorkbench(project.file, { stateDir: project.stateDir, quiet: true });
      const server = await dashboardServer({ name: 'trials', stateDir: project.stateDir, baseDir: project.dir, compiled: () => wb.compiled() });
      assert.match(server.pageUrl, new RegExp(`^${server.url}/\\?token=[A-Za-z0-9_-]{32}$`));
      // The notebook's page: another origin than the frame's (as JupyterLab on localhost:8888 is).
      const notebook = await startStatusServer({ stateDir: project.stateDir, pipelines: [], port: 0 });
      const page = await browser.newPage();
      try {
        // Its own dashboard (of no pipeline) names no favicon, so the browser asks none of it.
        await page.goto(`${notebook.url.replace('127.0.0.1', 'localhost')}/`);
        const problems = watchProblems(page);
        await page.setContent(renderDashboardFrame(server, 700).html);
        const frame = page.frameLocator('iframe');
        await frame.locator('#live.on').waitFor();
        await frame.locator('section[data-pipeline="trials"] .pipeline-line button[data-action="run"]').click();
        await frame.locator('#outcome.ok').filter({ hasText: /^started run run_/ }).waitFor();
        const runId = ((await frame.locator('#outcome').textContent()) ?? '').slice('started run '.length);
        await frame.locator('section[data-pipeline="trials"] .pipeline-line').filter({ hasText: runId }).waitFor({ timeout: 30_000 });
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
        await notebook.close();
      }
    });
  });
});

/** Collects the page's console errors and warnings, its script errors and its failed requests (event streams aside). */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    if (!r.url().includes('/events')) problems.push(`requestfailed: ${r.url()}`);
  });
  return problems;
}
