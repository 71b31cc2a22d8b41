import { strict as assert } from 'node:assert';
import type { PipelineEvent } from '../../src/events/event';
import { ProgressModel } from '../../src/display/progress-view';

let seq = 0;
function ev<T extends PipelineEvent['type']>(type: T, at: number, stageId: string | undefined, metadata: Extract<PipelineEvent, { type: T }>['metadata'], message = ''): PipelineEvent {
  seq++;
  return { type, timestamp: new Date(at).toISOString(), runId: 'r1', ...(stageId ? { stageId } : {}), level: 'INFO', message, metadata, correlationId: 'c', seq } as PipelineEvent;
}

/** a is cached, b reports progress, c fails once and retries; d has no history. */
function firstEvents(): PipelineEvent[] {
  return [
    ev('STEP_SKIPPED', 0, 'a', { reason: 'up to date', status: 'CACHED' }),
    ev('STEP_START', 100, 'b', { attempt: 1, idempotencyKey: 'kb' }),
    ev('STEP_START', 100, 'c', { attempt: 1, idempotencyKey: 'kc' }),
    ev('STEP_PROGRESS', 600, 'b', { done: 1, total: 4 }, '1/4'),
    ev('STEP_FAILURE', 1100, 'c', { attempt: 1, durationMs: 1000, code: 'STAGE_FAILED', errorClass: 'transient', final: false }),
    ev('STEP_RETRY', 1100, 'c', { attempt: 1, nextAttempt: 2, delayMs: 500, code: 'STAGE_FAILED' }),
  ];
}

function laterEvents(): PipelineEvent[] {
  return [ev('STEP_START', 1600, 'c', { attempt: 2, idempotencyKey: 'kc' }), ev('STEP_SUCCESS', 2100, 'b', { attempt: 1, durationMs: 2000, usage: {} })];
}

function endEvents(): PipelineEvent[] {
  return [
    ev('STEP_FAILURE', 4600, 'c', { attempt: 2, durationMs: 3000, code: 'STAGE_TIMEOUT', errorClass: 'transient', final: true }),
    ev('PIPELINE_COMPLETE', 4600, undefined, { status: 'FAILED', durationMs: 4600, counts: {} }),
  ];
}

function model(estimatesMs: Record<string, number>, parallelism = 1): ProgressModel {
  const m = new ProgressModel({ stages: ['a', 'b', 'c', 'd'], estimatesMs, maxAttempts: { c: 3 }, parallelism, startedAt: 0 });
  for (const e of firstEvents()) m.apply(e);
  return m;
}

describe('ProgressModel', () => {
  describe('when a stage has no estimate', () => {
    it('weighs it by the mean estimate and has no ETA', () => {
      const snap = model({ a: 1000, b: 2000, c: 3000 }).snapshot();
      // (a 1000 settled + b 2000 x 1/4) / (1000 + 2000 + 3000 + mean 2000)
      assert.equal(snap.percent, 18.8);
      assert.equal(snap.etaMs, null);
      assert.equal(snap.elapsedMs, 1100);
      assert.deepEqual(
        snap.stages.map((s) => [s.stageId, s.status, s.attempt, s.done, s.message]),
        [['a', 'CACHED', 0, undefined, 'up to date'], ['b', 'RUNNING', 1, 1, '1/4'], ['c', 'RETRYING', 1, undefined, 'retry in 500 ms after STAGE_FAILED'], ['d', 'PENDING', 0, undefined, undefined]],
      );
    });
  });

  describe('when every stage has an estimate', () => {
    it('takes the ETA from the progress rate of running stages and the estimates of the rest', () => {
      // b: 1000 ms for 1 of 4 -> 3000 ms more; c waits to retry: 3000; d: 2000.
      assert.equal(model({ a: 1000, b: 2000, c: 3000, d: 2000 }).snapshot().etaMs, 8000);
      assert.equal(model({ a: 1000, b: 2000, c: 3000, d: 2000 }, 2).snapshot().etaMs, 4000);
    });

    it('counts a running stage without reports by its time against its estimate', () => {
      const m = model({ a: 1000, b: 2000, c: 3000, d: 2000 });
      for (const e of laterEvents()) m.apply(e);
      const snap = m.snapshot(2600);
      // a 1000 + b 2000 + c 3000 x (1000 / 3000) = 4000 of 8000; ETA c 2000 + d 2000.
      assert.deepEqual([snap.percent, snap.etaMs, snap.settled], [50, 4000, 2]);
      assert.equal(
        m.view(2600).text,
        [
          '2 of 4 stages settled · 50% · elapsed 2.6 s · ETA 4.0 s',
          '[###############---------------] 50%',
          '',
          'stage  status     progress           attempt      elapsed  note',
          '-----  ---------  -----------------  -----------  -------  ----------',
          'a      cached     [##########] 100%                        up to date',
          'b      succeeded  [##########] 100%                 2.0 s  4/4',
          'c      running    [###-------] 33%   attempt 2/3    2.5 s',
          'd      pending',
        ].join('\n'),
      );
    });
  });

  describe('when the run completes', () => {
    it('freezes the elapsed time and says how the run ended', () => {
      const m = model({ a: 1000, b: 2000, c: 3000, d: 2000 });
      for (const e of [...laterEvents(), ...endEvents()]) m.apply(e);
      const snap = m.snapshot(9000);
      assert.deepEqual([snap.runStatus, snap.percent, snap.etaMs, snap.elapsedMs, snap.settled], ['FAILED', 75, 0, 4600, 3]);
      assert.equal(m.view(9000).text.split('\n')[0], '3 of 4 stages settled · 75% · elapsed 4.6 s · failed');
      assert.ok(m.view(9000).html.includes('width:75.0%'));
    });
  });

  describe('when an event names a stage it was not given', () => {
    it('adds the stage', () => {
      const m = new ProgressModel({ stages: [], startedAt: 0 });
      m.apply(ev('STEP_START', 10, 'x', { attempt: 1, idempotencyKey: 'k' }));
      assert.deepEqual(m.snapshot().stages.map((s) => [s.stageId, s.status]), [['x', 'RUNNING']]);
    });
  });
});
