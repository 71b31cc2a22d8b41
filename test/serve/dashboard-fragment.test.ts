import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { renderServiceFailures, renderServices } from '../../src/display/services-view';
import { openWorkbench } from '../../src/notebook/workbench';
import { renderPipelineFragment } from '../../src/serve/dashboard-fragment';
import { loadServedPipelines } from '../../src/serve/served-pipelines';
import { listServices } from '../../src/service/service-list';
import { readServiceState } from '../../src/service/service-state-file';
import { processSupervisor } from '../../src/service/supervisor';
import type { ServiceState } from '../../src/service-record';

/** One pipeline's dashboard fragment, as HTML, without a browser: here its services and their failures. */

const TICKER = path.join(__dirname, '..', 'service', 'fixtures', 'ticker.js');

/** Polls `check` every 10 ms until it holds, for at most 10 s (a deadline, not a timing assertion). */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The `<div class="part part-<name>">…</div>` of a fragment (parts do not nest). */
function part(html: string, name: string): string | undefined {
  const start = html.indexOf(`<div class="part part-${name}">`);
  if (start < 0) return undefined;
  const next = html.indexOf('<div class="part part-', start + 1);
  return html.slice(start, next < 0 ? undefined : next);
}

describe('renderPipelineFragment', function () {
  this.timeout(30_000);

  describe('when a pipeline runs a service that stays up and one that fails after its stage succeeded', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-fragment-'));
    });
    after(async () => {
      await processSupervisor().stopAll();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('lists both services with pid, uptime and restarts, and the failed one with its last lines among the errors', async () => {
      const service = (crash: boolean) =>
        [
          '    kind: service',
          '    retry: { maxAttempts: 1 }',
          '    service:',
          `      command: ${JSON.stringify(process.execPath)}`,
          `      args: [${JSON.stringify(TICKER)}, ${JSON.stringify(path.join(dir, crash ? 'flaky.txt' : 'paper.txt'))}]`,
          ...(crash ? ['      env: { CRASH_AFTER: "1" }', '      restart: { maxRestarts: 0 }'] : []),
          '      readiness: { kind: log, pattern: "^ticker ready", timeoutMs: 10000 }',
        ].join('\n');
      const file = path.join(dir, 'trials.yaml');
      fs.writeFileSync(file, ['name: trials', 'stages:', '  paper:', service(false), '  flaky:', service(true), ''].join('\n'));
      const stateDir = path.join(dir, 'state');
      const wb = await openWorkbench(file, { stateDir, sink: () => undefined, quiet: true });
      assert.equal((await wb.run()).status, 'SUCCEEDED');
      const pipelineDir = path.join(stateDir, 'trials');
      await until('flaky failed', () => readServiceState(path.join(pipelineDir, 'services', 'flaky.json'))?.status === 'failed');
      const paper = readServiceState(path.join(pipelineDir, 'services', 'paper.json')) as ServiceState;

      const clock = new ManualClock((paper.processStartedAt as number) + 65_000);
      const [served] = await loadServedPipelines([file]);
      const html = await renderPipelineFragment(served, stateDir, clock);

      const services = listServices(pipelineDir, clock.now());
      assert.deepEqual(
        services.map((s) => [s.name, s.status, s.pid, s.uptimeMs, s.restarts]),
        [
          ['flaky', 'failed', undefined, undefined, 0],
          ['paper', 'running', paper.pid, 65_000, 0],
        ],
      );
      assert.equal(part(html, 'services'), `<div class="part part-services">${renderServices(services, clock.now(), false).html}</div>`);
      assert.match(part(html, 'services') as string, new RegExp(`>${paper.pid}<.*>1 min 5 s<`, 's'));
      const failures = renderServiceFailures(services);
      assert.deepEqual(failures?.text.split('\n').slice(0, 2), ['1 failed service', 'flaky: [SERVICE_FAILED] Service `flaky` exited with code 3; crashed once within 600000 ms (at most 0 restarts allowed)']);
      assert.ok(part(html, 'errors')?.startsWith(`<div class="part part-errors">${failures?.html}`), part(html, 'errors'));
      assert.match(failures?.html as string, /crashing on purpose after 1 ticks/);
    });
  });
});
