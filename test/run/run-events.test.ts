import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import type { PipelineEvent } from '../../src/events/event';
import { EventBus } from '../../src/events/event-bus';
import { createRunEmitter, newRunId } from '../../src/run/run-events';
import { T0 } from './fixtures';

describe('newRunId', () => {
  describe('when given a time and a random source', () => {
    it('makes `run_YYYYMMDD_HHMMSS_xxxx` from the UTC time and one draw', () => {
      assert.equal(newRunId(T0, () => 0.5), 'run_20241202_103045_i000');
      assert.equal(newRunId(T0, () => 0), 'run_20241202_103045_0000');
      assert.equal(newRunId(T0 + 999, () => 0.9999999), 'run_20241202_103045_zzzz');
    });

    it('sorts by start time', () => {
      const ids = [T0 + 61_000, T0, T0 + 3_600_000].map((t) => newRunId(t, () => 0.1));
      assert.deepEqual([...ids].sort(), [ids[1], ids[0], ids[2]]);
    });
  });
});

describe('createRunEmitter', () => {
  describe('when events are emitted', () => {
    it('stamps time, run id, level, correlation id and seq, and hands each to the log before the bus', () => {
      const clock = new ManualClock(T0);
      const bus = new EventBus();
      const order: string[] = [];
      const logged: PipelineEvent[] = [];
      bus.subscribe((e) => order.push(`bus ${e.seq}`));
      const emit = createRunEmitter('run-1', clock, bus, (e) => {
        order.push(`log ${e.seq}`);
        logged.push(e);
      });
      emit('RUN_START', { message: 'go', metadata: { stages: ['a'], maxParallel: 1 } });
      emit('STEP_PROGRESS', { stageId: 'a', level: 'DEBUG', message: '1/2', metadata: { done: 1, total: 2 } });
      emit('LOG', { stageId: 'a', message: 'hi', metadata: {}, correlationId: 'custom' });
      assert.deepEqual(order, ['log 1', 'bus 1', 'log 2', 'bus 2', 'log 3', 'bus 3']);
      assert.deepEqual(logged, [
        { timestamp: '2024-12-02T10:30:45.000Z', runId: 'run-1', type: 'RUN_START', level: 'INFO', message: 'go', metadata: { stages: ['a'], maxParallel: 1 }, correlationId: 'run-1', seq: 1 },
        { timestamp: '2024-12-02T10:30:45.000Z', runId: 'run-1', stageId: 'a', type: 'STEP_PROGRESS', level: 'DEBUG', message: '1/2', metadata: { done: 1, total: 2 }, correlationId: 'run-1/a', seq: 2 },
        { timestamp: '2024-12-02T10:30:45.000Z', runId: 'run-1', stageId: 'a', type: 'LOG', level: 'INFO', message: 'hi', metadata: {}, correlationId: 'custom', seq: 3 },
      ]);
    });

    it('numbers from `firstSeq` when given (a resumed run continues its log)', () => {
      const seqs: number[] = [];
      const emit = createRunEmitter('run-1', new ManualClock(T0), new EventBus(), (e) => seqs.push(e.seq), 41);
      emit('LOG', { message: 'a', metadata: {} });
      emit('LOG', { message: 'b', metadata: {} });
      assert.deepEqual(seqs, [41, 42]);
    });
  });
});
