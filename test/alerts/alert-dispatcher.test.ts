import { strict as assert } from 'node:assert';
import { AlertDispatcher } from '../../src/alerts/alert-dispatcher';
import type { AlertPayload } from '../../src/alerts/alert-payload';
import type { AlertSink } from '../../src/alerts/alert-sink';
import { flushMicrotasks, ManualClock } from '../../src/clock';
import { DagbookError } from '../../src/errors';
import type { EventDraft, EventType, PipelineEvent } from '../../src/events/event';
import { until } from './fixtures';

const ALERT = {
  timestamp: '2024-12-02T10:30:47.000Z',
  runId: 'run-1',
  stageId: 'ingest_data',
  type: 'ALERT',
  level: 'WARN',
  message: 'Stage `ingest_data` has retried 3 time(s) (WARNING at 3)',
  metadata: { level: 'WARNING', metric: 'retries', value: 3, threshold: 3 },
  correlationId: 'run-1/ingest_data',
  seq: 9,
} as PipelineEvent;

/** A sink that records what it got and settles as `behave` says. */
function sink(name: string, behave: (signal: AbortSignal) => Promise<void>): AlertSink & { got: AlertPayload[] } {
  const got: AlertPayload[] = [];
  return { name, got, deliver: (payload, signal) => (got.push(payload), behave(signal)) };
}

function dispatcher(sinks: AlertSink[], clock = new ManualClock(0)) {
  const logged: unknown[][] = [];
  const d = new AlertDispatcher({
    pipeline: 'smvm',
    sinks,
    clock,
    emit: <T extends EventType>(type: T, draft: EventDraft<T>) => logged.push([type, draft.stageId, draft.level, draft.message, draft.metadata]),
  });
  return { d, logged, clock };
}

describe('AlertDispatcher', () => {
  describe('when an alert is raised', () => {
    it('delivers its payload to every sink after the event, and a failing sink becomes a LOG warning', async () => {
      const ok = sink('command ok', () => Promise.resolve());
      const bad = sink('webhook http://127.0.0.1:9/', () => Promise.reject(new DagbookError('ALERT_DELIVERY_FAILED', 'Alert sink `webhook http://127.0.0.1:9/` could not be reached')));
      const { d, logged } = dispatcher([ok, bad]);
      d.observe(ALERT);
      d.observe({ ...ALERT, type: 'LOG', metadata: {} } as PipelineEvent);
      assert.equal(ok.got.length, 0);
      await flushMicrotasks();
      const payload = { pipeline: 'smvm', runId: 'run-1', stageId: 'ingest_data', level: 'WARNING', metric: 'retries', value: 3, threshold: 3, message: ALERT.message, timestamp: ALERT.timestamp };
      assert.deepEqual(ok.got, [payload]);
      assert.deepEqual(bad.got, [payload]);
      assert.deepEqual(logged, [
        ['LOG', 'ingest_data', 'WARN', 'The WARNING alert on `retries` was not delivered: Alert sink `webhook http://127.0.0.1:9/` could not be reached', { sink: 'webhook http://127.0.0.1:9/', code: 'ALERT_DELIVERY_FAILED', alertSeq: 9 }],
      ]);
      assert.equal(await d.drain(10_000), 0);
    });
  });

  describe('when the run ends with a delivery that never finishes', () => {
    it('waits drainMs on the clock, then abandons it (aborting it) and says so', async () => {
      let aborted = false;
      const hung = sink('command hang', (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(signal.reason)))));
      const { d, logged, clock } = dispatcher([hung]);
      d.observe(ALERT);
      await flushMicrotasks();
      const drained = d.drain(10_000);
      await until(() => clock.pending === 1);
      await clock.advance(9_999);
      assert.equal(d.pending, 1);
      await clock.advance(1);
      assert.equal(await drained, 1);
      await flushMicrotasks();
      assert.equal(aborted, true);
      assert.deepEqual(logged, [['LOG', undefined, 'WARN', '1 alert delivery was still under way 10000 ms after the run ended and was abandoned', { abandoned: 1, drainMs: 10_000 }]]);
    });
  });
});
