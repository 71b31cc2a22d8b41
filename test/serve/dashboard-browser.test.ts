import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../chromium';
import { closeDashboardServers } from '../../src/notebook/workbench-dashboard';
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
  });
});
