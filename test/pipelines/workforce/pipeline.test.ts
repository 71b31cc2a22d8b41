import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compilePipeline } from '../../../src/plan/compile';
import type { RunResult } from '../../../src/run/run-pipeline';
import { openDurableStore, type DurableStore } from '../../../src/store/durable-store';
import { closeWorkforceDatabases } from '../../../pipelines/workforce/database';
import type { YearReport } from '../../../pipelines/workforce/report';
import type { SummaryOutput, ValidateOutput } from '../../../pipelines/workforce/stages';
import { killHard, runScript, startScript, waitForMarker } from '../../integration/fixtures/child';
import { checkpointStates, runWorkforce, smallCensus, statuses, workforceDefinition, YEARS } from './workforce-run';

const CHILD = path.join(__dirname, 'run-workforce-child.ts');
const TEMPLATES = ['needs', 'hires', 'terminations', 'promotions', 'merit', 'enrollment', 'accumulate', 'validate', 'report', 'checkpoint'];
const folders: string[] = [];

function tempState(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-workforce-'));
  folders.push(dir);
  return dir;
}

/** Stage ids of the given years, every template. */
function idsOf(years: readonly string[]): string[] {
  return years.flatMap((y) => TEMPLATES.map((t) => `${t}@${y}`));
}

/** Opens a durable store on a fresh folder, runs, keeps the store open for reads. */
async function freshRun(definition: Awaited<ReturnType<typeof workforceDefinition>>): Promise<{ store: DurableStore; result: RunResult; dir: string }> {
  const dir = tempState();
  const store = await openDurableStore({ stateDir: dir, pipeline: 'workforce' });
  return { store, result: await runWorkforce(definition, store), dir };
}

describe('pipelines/workforce.yaml', function () {
  this.timeout(120_000);
  const stores: DurableStore[] = [];
  after(async () => {
    for (const s of stores) await s.close();
    await closeWorkforceDatabases();
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when compiled', () => {
    it('expands the ten per-year stages and a checkpoint over 2025..2029 between census and summary', async () => {
      const { plan } = compilePipeline(await workforceDefinition());
      assert.deepEqual(plan.order, ['census', ...idsOf(YEARS), 'summary']);
      assert.deepEqual(plan.periods, { name: 'year', keys: YEARS, values: [2025, 2026, 2027, 2028, 2029], stateHash: true });
    });
  });

  describe('when the default 10,000-employee simulation runs', () => {
    let run: { store: DurableStore; result: RunResult; dir: string };
    before(async () => {
      run = await freshRun(await workforceDefinition());
      stores.push(run.store);
    });

    it('succeeds in every stage with no validation ERROR', async () => {
      assert.equal(run.result.status, 'SUCCEEDED', run.result.reason);
      assert.deepEqual(Object.values(statuses(run.result)).filter((s) => s !== 'SUCCEEDED'), []);
      for (const y of YEARS) assert.equal(((await run.store.getOutput(run.result.outputHashes[`validate@${y}`])) as ValidateOutput).errors, 0, y);
    });

    it('grows the headcount by the 3% target ± 0.5 point every year, from 10,000', async () => {
      const reports = await Promise.all(YEARS.map(async (y) => (await run.store.getOutput(run.result.outputHashes[`report@${y}`])) as YearReport));
      assert.equal(reports[0].headcount.start, 10_000);
      for (const r of reports) assert.ok(Math.abs(r.headcount.growthPct - 3) <= 0.5, `${r.year}: ${r.headcount.growthPct}%`);
      for (let i = 1; i < reports.length; i++) assert.equal(reports[i].headcount.start, reports[i - 1].headcount.end);
      const summary = (await run.store.getOutput(run.result.outputHashes.summary)) as SummaryOutput;
      assert.deepEqual(summary.rows.map((r) => r.end_headcount), reports.map((r) => r.headcount.end));
      assert.equal(fs.readFileSync(path.join(run.dir, 'workforce', 'reports', 'summary.csv'), 'utf8').split('\n').length, 7);
    });
  });

  describe('when run twice from one seed in two state folders, then with the 2027 termination rates changed', () => {
    const raised = { terminationRates: [0.2, 0.15, 0.11, 0.08, 0.06] };
    let first: { store: DurableStore; result: RunResult };
    let second: { store: DurableStore; result: RunResult };
    let changed: RunResult;
    before(async () => {
      first = await freshRun(await smallCensus(2000));
      second = await freshRun(await smallCensus(2000));
      stores.push(first.store, second.store);
      changed = await runWorkforce(await smallCensus(2000, { needs: { periodParams: { 2027: raised } } }), first.store);
    });

    it('checkpoints identical state hashes for every year', async () => {
      assert.equal(first.result.status, 'SUCCEEDED', first.result.reason);
      const a = await checkpointStates(first.store, first.result);
      assert.deepEqual(Object.keys(a['2025']), ['report', 'workforce_events', 'workforce_needs', 'workforce_snapshot']);
      assert.deepEqual(await checkpointStates(second.store, second.result), a);
      assert.equal(new Set(YEARS.map((y) => a[y].workforce_snapshot)).size, 5);
    });

    it('re-runs exactly 2027..2029 and the summary, and restores the census, 2025 and 2026', async () => {
      assert.equal(changed.status, 'SUCCEEDED', changed.reason);
      const expected = Object.fromEntries([
        ['census', 'CACHED'],
        ...idsOf(['2025', '2026']).map((id) => [id, 'CACHED']),
        ...idsOf(['2027', '2028', '2029']).map((id) => [id, 'SUCCEEDED']),
        ['summary', 'SUCCEEDED'],
      ]);
      assert.deepEqual(statuses(changed), expected);
      const before = await checkpointStates(first.store, first.result);
      const after = await checkpointStates(first.store, changed);
      assert.deepEqual([after['2025'], after['2026']], [before['2025'], before['2026']]);
      for (const y of ['2027', '2028', '2029']) assert.notEqual(after[y].workforce_events, before[y].workforce_events, y);
    });
  });

  describe('when the run is SIGKILLed inside merit@2027 and run again', () => {
    it('restores 2025 and 2026 and what 2027 had finished, re-runs the rest, and ends with the uninterrupted hashes', async () => {
      const reference = await freshRun(await smallCensus(2000));
      stores.push(reference.store);
      const dir = tempState();
      const marker = path.join(dir, 'marker');
      const args = ['--state-dir', dir, '--census-size', '2000'];
      const killed = startScript(CHILD, [...args, '--marker', marker, '--hang-at', 'merit@2027']);
      await waitForMarker(killed, marker, 60_000);
      assert.equal((await killHard(killed)).signal, 'SIGKILL');

      const again = await runScript(CHILD, args);
      assert.equal(again.code, 0, again.stderr);
      const ended = JSON.parse(again.stdout.trim().split('\n').pop() as string) as Pick<RunResult, 'status' | 'outputHashes'> & { statuses: Record<string, string> };
      const { status, statuses: after } = ended;
      assert.equal(status, 'SUCCEEDED');
      const cached = Object.keys(after).filter((id) => after[id] === 'CACHED');
      assert.deepEqual(cached.filter((id) => !id.endsWith('@2027')).sort(), ['census', ...idsOf(['2025', '2026'])].sort());
      assert.equal(after['merit@2027'], 'SUCCEEDED');
      assert.equal(after['needs@2027'], 'CACHED');
      assert.deepEqual(idsOf(['2028', '2029']).map((id) => after[id]), idsOf(['2028', '2029']).map(() => 'SUCCEEDED'));

      const store = await openDurableStore({ stateDir: dir, pipeline: 'workforce' });
      stores.push(store);
      assert.deepEqual(await checkpointStates(store, ended), await checkpointStates(reference.store, reference.result));
    });
  });
});
