import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { definePipeline } from '../../src/definition/define-pipeline';
import type { PipelineEvent } from '../../src/events/event';
import { openWorkbench } from '../../src/notebook/workbench';
import { followRunEvents, latestRunId, readRunEvents, runLogEnded } from '../../src/query/run-events';
import { logHeader } from '../../src/store/log-record';
import { runRecord } from '../store/fixtures';
import { openStateReader } from '../../src/store/state-reader';
import { repoRoot, startScript, waitForMarker, type RunningChild } from '../integration/fixtures/child';

/** A LOG event of run `run-1`. */
function log(seq: number, type: 'LOG' | 'PIPELINE_COMPLETE' = 'LOG'): PipelineEvent {
  return {
    timestamp: '2024-12-02T10:30:45.123Z',
    runId: 'run-1',
    type,
    level: 'INFO',
    message: `event ${seq}`,
    metadata: type === 'LOG' ? {} : { status: 'SUCCEEDED', durationMs: 5, counts: {} },
    correlationId: 'run-1',
    seq,
  } as PipelineEvent;
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

describe('readRunEvents', function () {
  this.timeout(30_000);
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-events-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('when a run has ended', () => {
    it('gives its events in order, as the store reads them; `after` leaves out those up to a position', async () => {
      const wb = await openWorkbench(
        definePipeline({ name: 'ev', stages: [{ id: 'a', run: () => 1 }, { id: 'b', deps: ['a'], run: () => 2 }] }),
        { stateDir, quiet: true },
      );
      const run = await wb.run();
      const events = await readRunEvents(stateDir, 'ev', run.runId);
      const reader = await openStateReader({ stateDir, pipeline: 'ev' });
      assert.deepEqual(events, await reader.readEvents(run.runId));
      assert.deepEqual(
        events.map((e) => [e.seq, e.type, e.stageId]),
        [
          [1, 'RUN_START', undefined],
          [2, 'STEP_START', 'a'],
          [3, 'STEP_SUCCESS', 'a'],
          [4, 'STEP_START', 'b'],
          [5, 'STEP_SUCCESS', 'b'],
          [6, 'PIPELINE_COMPLETE', undefined],
        ],
      );
      assert.deepEqual((await readRunEvents(stateDir, 'ev', run.runId, { after: 4 })).map((e) => e.seq), [5, 6]);
      assert.equal(await latestRunId(stateDir, 'ev'), run.runId);
    });
  });

  describe('when the pipeline has no such run', () => {
    it('throws RUN_NOT_FOUND naming the pipeline and the run', async () => {
      await assert.rejects(readRunEvents(stateDir, 'ev', 'run_20240101_000000_zzzz'), {
        code: 'RUN_NOT_FOUND',
        message: 'Expected `runId` to name a run of `ev`, got `run_20240101_000000_zzzz`',
      });
      await assert.rejects(latestRunId(stateDir, 'ev'), { code: 'RUN_NOT_FOUND', message: `\`ev\` has no run yet (state folder ${path.join(stateDir, 'ev')})` });
    });
  });
});

describe('followRunEvents', function () {
  this.timeout(60_000);
  let stateDir: string;
  const logFile = () => path.join(stateDir, 'ev', 'runs', 'run-1', 'events.jsonl');
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-follow-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('when the run writes while it is followed (polling on the injected clock)', () => {
    it('gives the events already written, then each new one after a poll, and ends after PIPELINE_COMPLETE, as completed', async () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'event', event: log(1) }) + line({ kind: 'event', event: log(2) }));
      const clock = new ManualClock(0);
      const events = followRunEvents(stateDir, 'ev', 'run-1', { clock, watch: false, writerActive: () => true, after: 1 });
      assert.deepEqual((await events.next()).value, log(2));
      const third = events.next();
      await clock.advance(250);
      fs.appendFileSync(logFile(), line({ kind: 'event', event: log(3) }) + line({ kind: 'event', event: log(4, 'PIPELINE_COMPLETE') }));
      await clock.advance(250);
      assert.deepEqual((await third).value, log(3));
      assert.deepEqual((await events.next()).value, log(4, 'PIPELINE_COMPLETE'));
      assert.deepEqual(await events.next(), { done: true, value: 'completed' });
      assert.deepEqual(clock.sleeps, [250, 250]);
    });
  });

  describe('when no process holds the lock (the writer was killed mid-run)', () => {
    it('gives what the log holds and ends without waiting, as interrupted', async () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'event', event: log(1) }));
      const clock = new ManualClock(0);
      const events = followRunEvents(stateDir, 'ev', 'run-1', { clock, watch: false });
      assert.deepEqual(await events.next(), { done: false, value: log(1) });
      assert.deepEqual(await events.next(), { done: true, value: 'interrupted' });
      assert.deepEqual(clock.sleeps, []);
    });
  });

  describe('when the signal aborts', () => {
    it('ends the iteration without an error, as aborted', async () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'event', event: log(1) }));
      const stop = new AbortController();
      const events = followRunEvents(stateDir, 'ev', 'run-1', { clock: new ManualClock(0), writerActive: () => true, signal: stop.signal });
      assert.deepEqual(await events.next(), { done: false, value: log(1) });
      const next = events.next();
      stop.abort();
      assert.deepEqual(await next, { done: true, value: 'aborted' });
    });
  });

  describe('when the run was resumed: its log goes on after an earlier end', () => {
    const ended = (seq: number) => line({ kind: 'run', seq, run: { ...runRecord('run-1'), status: 'FAILED', endedAt: 1_700_000_001_000 } });
    const running = (seq: number) => line({ kind: 'run', seq, run: runRecord('run-1') });
    const event = (seq: number, type: 'LOG' | 'PIPELINE_COMPLETE' = 'LOG') => line({ kind: 'event', event: log(seq, type) });

    it('follows past the earlier end, live, Last-Event-ID after it, and ends at the resumed run’s own end', async () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + running(1) + event(1) + ended(2) + event(2, 'PIPELINE_COMPLETE') + running(3));
      assert.equal(await runLogEnded(stateDir, 'ev', 'run-1'), false);
      const clock = new ManualClock(0);
      const events = followRunEvents(stateDir, 'ev', 'run-1', { clock, watch: false, writerActive: () => true });
      assert.deepEqual(await events.next(), { done: false, value: log(1) });
      assert.deepEqual(await events.next(), { done: false, value: log(2, 'PIPELINE_COMPLETE') });
      const third = events.next();
      fs.appendFileSync(logFile(), event(3));
      await clock.advance(250);
      assert.deepEqual(await third, { done: false, value: log(3) });
      const fourth = events.next();
      fs.appendFileSync(logFile(), ended(4) + event(4, 'PIPELINE_COMPLETE'));
      await clock.advance(250);
      assert.deepEqual(await fourth, { done: false, value: log(4, 'PIPELINE_COMPLETE') });
      assert.deepEqual(await events.next(), { done: true, value: 'completed' });
      assert.equal(await runLogEnded(stateDir, 'ev', 'run-1'), true);

      const resumedAfter = followRunEvents(stateDir, 'ev', 'run-1', { clock, watch: false, writerActive: () => true, after: 2 });
      assert.deepEqual(await resumedAfter.next(), { done: false, value: log(3) });
      assert.deepEqual(await resumedAfter.next(), { done: false, value: log(4, 'PIPELINE_COMPLETE') });
      assert.deepEqual(await resumedAfter.next(), { done: true, value: 'completed' });
      assert.deepEqual(clock.sleeps, [250, 250]);
    });

    it('ends at an earlier end that nothing follows yet, and says the log ended there', async () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + running(1) + event(1) + ended(2) + event(2, 'PIPELINE_COMPLETE'));
      assert.equal(await runLogEnded(stateDir, 'ev', 'run-1'), true);
      const seen: number[] = [];
      const events = followRunEvents(stateDir, 'ev', 'run-1', { clock: new ManualClock(0), watch: false, writerActive: () => true });
      for (let next = await events.next(); ; next = await events.next()) {
        if (next.done) {
          assert.equal(next.value, 'completed');
          break;
        }
        seen.push(next.value.seq);
      }
      assert.deepEqual(seen, [1, 2]);
    });
  });

  describe('when the run’s record says it ended but no PIPELINE_COMPLETE follows', () => {
    it('ends as completed after a poll that brings nothing new', async () => {
      fs.mkdirSync(path.dirname(logFile()), { recursive: true });
      fs.writeFileSync(logFile(), line(logHeader('run-1')) + line({ kind: 'event', event: log(1) }) + line({ kind: 'run', seq: 1, run: { ...runRecord('run-1'), status: 'FAILED', endedAt: 1_700_000_001_000 } }));
      const clock = new ManualClock(0);
      const events = followRunEvents(stateDir, 'ev', 'run-1', { clock, watch: false, writerActive: () => true });
      assert.deepEqual(await events.next(), { done: false, value: log(1) });
      const end = events.next();
      await clock.advance(250);
      assert.deepEqual(await end, { done: true, value: 'completed' });
      assert.deepEqual(clock.sleeps, [250]);
    });
  });

  describe('when another process runs the pipeline while it is followed', () => {
    let child: RunningChild | undefined;
    afterEach(async () => {
      if (child && child.child.exitCode === null) {
        child.child.kill('SIGKILL');
        await child.exited;
      }
    });

    it('gives every event of the run as it is written, the same the log holds at the end, and ends when the run does', async () => {
      const gate = path.join(stateDir, 'gate');
      fs.mkdirSync(gate);
      const stages = path.join(repoRoot, 'test', 'integration', 'fixtures', 'watched-stages.ts');
      const file = path.join(stateDir, 'watched.yaml');
      fs.writeFileSync(
        file,
        ['name: watched', 'stages:', `  first: { fn: "${stages}#quick" }`, `  gated: { fn: "${stages}#gated", deps: [first], params: { gate: "${gate}" } }`, `  last: { fn: "${stages}#quick", deps: [gated] }`, ''].join('\n'),
      );
      child = startScript(path.join(repoRoot, 'bin', 'dagbook.js'), ['run', file], { DAGBOOK_STATE_DIR: stateDir }, []);
      await waitForMarker(child, path.join(gate, 'started'), 30_000);
      const runId = await latestRunId(stateDir, 'watched');
      const seen: PipelineEvent[] = [];
      let released = false;
      for await (const event of followRunEvents(stateDir, 'watched', runId)) {
        seen.push(event);
        if (event.type === 'STEP_START' && event.stageId === 'gated' && !released) {
          // Released only once the follower has read what came before: the rest arrives while it follows.
          released = true;
          fs.writeFileSync(path.join(gate, 'release'), '');
        }
      }
      const ended = await child.exited;
      assert.equal(ended.code, 0, ended.stderr);
      assert.deepEqual(seen, await readRunEvents(stateDir, 'watched', runId));
      assert.deepEqual(
        seen.map((e) => `${e.type}${e.stageId ? ` ${e.stageId}` : ''}`),
        ['RUN_START', 'STEP_START first', 'STEP_SUCCESS first', 'STEP_START gated', 'STEP_SUCCESS gated', 'STEP_START last', 'STEP_SUCCESS last', 'PIPELINE_COMPLETE'],
      );
    });
  });
});
