import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ManualClock } from '../../../src/clock';
import { loadPipelineFile } from '../../../src/definition/load-file';
import type { Item } from '../../../src/definition/types';
import { openWorkbench, type Workbench } from '../../../src/notebook/workbench';
import { compilePipeline } from '../../../src/plan/compile';
import { seededRandom } from '../../../src/random';
import { startRun, type RunResult } from '../../../src/run/run-pipeline';
import type { ServiceState } from '../../../src/service-record';
import { isProcessAlive } from '../../../src/process-alive';
import { readServiceState, readServiceStates } from '../../../src/service/service-state-file';
import { processSupervisor } from '../../../src/service/supervisor';
import { openDurableStore } from '../../../src/store/durable-store';
import { readCompleteTrials } from '../../../pipelines/trials/optuna-study';
import type { SelectedPayload } from '../../../pipelines/trials/stages';
import { runStudy, TRIALS_FILE } from './study-run';

/** `pipelines/trials.yaml` on a real Optuna study, its two batches, the paper traders, the prod dry run and the retry policy. */

const CLI = path.resolve(__dirname, '../../fixtures/dagbook-cli.ts');

/** Item counts with every field, zero unless given. */
function counts(given: Partial<Record<'total' | 'succeeded' | 'failed' | 'cached' | 'blocked' | 'skipped' | 'deleted', number>>): Record<string, number> {
  return { total: 0, succeeded: 0, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0, ...given };
}

async function until<T>(what: string, probe: () => T | undefined, limitMs = 15_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pipelines/trials.yaml', function () {
  this.timeout(120_000);

  describe('when the study runs 6 trials, the pipeline runs, the study adds 4 and the pipeline runs again', () => {
    let dir: string;
    let stateDir: string;
    let wb: Workbench;
    let first: RunResult;
    let second: RunResult;
    let firstSelected: Item<SelectedPayload>[];
    let secondSelected: Item<SelectedPayload>[];
    /** The trader of trial 0 (third after the first batch, out of the top 3 after the second) as the first run left it. */
    let trader0: ServiceState;
    const lines: string[] = [];
    const pipelineDir = () => path.join(stateDir, 'trials');
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-trials-'));
      stateDir = path.join(dir, 'state');
      await runStudy(path.join(pipelineDir(), 'study.db'), 6);
      wb = await openWorkbench(TRIALS_FILE, { stateDir, sink: (text) => lines.push(text) });
      first = await wb.run();
      firstSelected = (await wb.output('select')) as Item<SelectedPayload>[];
      trader0 = readServiceState(path.join(pipelineDir(), 'services', 'deploy@0.json')) as ServiceState;
      await runStudy(path.join(pipelineDir(), 'study.db'), 4);
      second = await wb.run();
      secondSelected = (await wb.output('select')) as Item<SelectedPayload>[];
    });
    after(async () => {
      await wb?.stop('deploy');
      await processSupervisor().stopAll();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('backtests the 6 trials of the first batch and deploys the best 3, one trader each', () => {
      assert.equal(first.status, 'SUCCEEDED', first.reason);
      assert.deepEqual([first.stages.backtest!.items, first.stages.stress!.status], [counts({ total: 6, succeeded: 6 }), 'SKIPPED']);
      assert.deepEqual(firstSelected.map((i) => [i.id, i.payload!.rank]), [['5', 1], ['2', 2], ['0', 3]]);
      assert.deepEqual(first.stages.deploy!.items, counts({ total: 3, succeeded: 3 }));
    });

    it('backtests only the 4 new trials after the second batch, and replaces the trial that left the top 3', () => {
      assert.equal(second.status, 'SUCCEEDED', second.reason);
      assert.deepEqual(second.stages.backtest!.items, counts({ total: 10, succeeded: 4, cached: 6 }));
      assert.deepEqual(secondSelected.map((i) => i.id), ['6', '5', '2']);
      assert.deepEqual(second.stages.deploy!.items, counts({ total: 3, succeeded: 1, cached: 2, deleted: 1 }));
    });

    it('stops the trader of the trial that left the top 3 and records it stopped, keeping the other two running', () => {
      assert.equal(trader0.status, 'running');
      assert.equal(isProcessAlive(trader0.pid as number), false);
      const states = readServiceStates(pipelineDir()).map((s) => [s.name, s.status, s.pid !== undefined && isProcessAlive(s.pid)]);
      assert.deepEqual(states, [
        ['deploy@0', 'stopped', false],
        ['deploy@2', 'running', true],
        ['deploy@5', 'running', true],
        ['deploy@6', 'running', true],
      ]);
    });

    it("reproduces in each selected trial's backtest the Sharpe ratio the study recorded", () => {
      const recorded = new Map(readCompleteTrials(path.join(pipelineDir(), 'study.db'), 'ma-crossover').map((t) => [String(t.number), t.value]));
      assert.equal(recorded.size, 10);
      assert.deepEqual(secondSelected.map((i) => i.payload!.sharpe), secondSelected.map((i) => recorded.get(i.id)));
    });

    it('restarts a trader killed with SIGKILL, which resumes without repeating a month, and shows the restart in status', async () => {
      const file = path.join(pipelineDir(), 'services', 'deploy@5.json');
      const before = readServiceState(file) as ServiceState;
      const cursor = `${path.join(pipelineDir(), 'paper', 'trial-5.jsonl')}.cursor`;
      await until('a month replayed', () => (fs.existsSync(cursor) ? true : undefined));
      process.kill(before.pid as number, 'SIGKILL');
      const after = await until('the restart', () => {
        const s = readServiceState(file) as ServiceState;
        return s.status === 'running' && s.restarts === 1 && s.pid !== before.pid ? s : undefined;
      });
      assert.equal(isProcessAlive(after.pid as number), true);
      lines.length = 0;
      await wb.status();
      assert.match(lines.join('\n'), new RegExp(`deploy@5 +deploy \\(item 5\\) +${after.pid} +running +\\S+ \\S+ +1 +killed by SIGKILL`));
      const log = fs.readFileSync(path.join(pipelineDir(), 'services', 'logs', 'deploy@5.log'), 'utf8');
      const resumed = [...log.matchAll(/^ready trial 5: 123 months of MSFT, resuming at month (\d+)$/gm)].map((m) => Number(m[1]));
      assert.equal(resumed.length, 2, log);
      assert.deepEqual([resumed[0], resumed[1]! > 0], [0, true]);
    });

    it('stops every trader on `wb.stop`, the one of the trial that left the top 3 included, leaving no process', async () => {
      const pids = readServiceStates(pipelineDir()).map((s) => [s.name, s.pid] as const);
      assert.deepEqual(pids.map(([name]) => name).sort(), ['deploy@0', 'deploy@2', 'deploy@5', 'deploy@6']);
      const stopped = await wb.stop('deploy');
      assert.deepEqual(stopped.map((s) => s.name).sort(), ['deploy@0', 'deploy@2', 'deploy@5', 'deploy@6']);
      await processSupervisor().idle();
      assert.deepEqual(pids.filter(([, pid]) => pid !== undefined && isProcessAlive(pid)), []);
      assert.deepEqual(readServiceStates(pipelineDir()).map((s) => s.status), ['stopped', 'stopped', 'stopped', 'stopped']);
    });
  });

  describe('when planning with `--env prod` after a batch of 6 trials', () => {
    it('says that prod enables the stress test, which would run for the 6 trials', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-trials-prod-'));
      try {
        await runStudy(path.join(dir, 'trials', 'study.db'), 6);
        const dagbook = (args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args, '--state-dir', dir], { encoding: 'utf8' });
        const base = await dagbook(['plan', TRIALS_FILE]);
        assert.match(base.stdout, /^stress +disabled +disabled in config/m);
        const prod = await dagbook(['plan', TRIALS_FILE, '--env', 'prod']);
        assert.deepEqual(prod.stdout.split('\n').slice(0, 2), [
          'dry run of `trials` (environment: prod): 5 of 5 stages would run, duration unknown (no history)',
          'environment: prod (from `environments.prod`): enables `stress`',
        ]);
        assert.match(prod.stdout, /^stress +will run +6 new, 0 changed, 0 deleted, 0 unchanged, 0 failed last time — 6 will run; enabled by environment `prod`/m);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("when a trial's backtest fails twice with a transient error, and another's always", () => {
    it('retries each after 5 s then 30 s, within 3 attempts, and ends the stage PARTIAL with the one failure', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-trials-retry-'));
      const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
      const store = await openDurableStore({ stateDir: dir, pipeline: 'trials', clock });
      try {
        await runStudy(path.join(dir, 'trials', 'study.db'), 6);
        const definition = await loadPipelineFile(TRIALS_FILE);
        const calls = new Map<string, number>();
        const flaky = {
          ...definition,
          stages: definition.stages
            .filter((s) => s.id !== 'deploy')
            .map((s) =>
              s.id !== 'backtest'
                ? s
                : {
                    ...s,
                    run: async (ctx: Parameters<typeof s.run>[0], inputs: Parameters<typeof s.run>[1]) => {
                      const id = ctx.item?.id as string;
                      calls.set(id, (calls.get(id) ?? 0) + 1);
                      if (id === '4' || (id === '1' && ctx.attempt < 3)) throw Object.assign(new Error(`quote server reset the connection (trial ${id})`), { code: 'ECONNRESET' });
                      return s.run(ctx, inputs);
                    },
                  },
            ),
        };
        const run = startRun(compilePipeline(flaky), { store, clock, random: seededRandom(1) });
        const result = await clock.runUntil(run.result);
        assert.deepEqual([result.stages.backtest!.status, result.stages.backtest!.items], ['PARTIAL', counts({ total: 6, succeeded: 5, failed: 1 })]);
        assert.deepEqual([...calls].sort(), [['0', 1], ['1', 3], ['2', 1], ['3', 1], ['4', 3], ['5', 1]]);
        // Every attempt sleeps on its 60 s timeout; the other sleeps are the backoffs (an item's retries emit no events of their own).
        const backoffs = clock.sleeps.filter((ms) => ms !== 60_000).sort((a, b) => a - b);
        assert.deepEqual([clock.sleeps.filter((ms) => ms === 60_000).length, backoffs], [10, [5000, 5000, 30000, 30000]]);
        const records = await store.readItemRecords('backtest');
        assert.deepEqual([records.get('4')?.status, records.get('4')?.attempts, records.get('1')?.status, records.get('1')?.attempts], ['FAILED', 3, 'SUCCEEDED', 3]);
      } finally {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
