import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { timeoutPolicy, withTimeout } from '../../src/execute/timeout';
import { hasErrorCode } from '../../src/errors';

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/** Settles `promise` under the manual clock; returns the clock time at which it settled and how. */
async function settleTime<T>(clock: ManualClock, promise: Promise<T>): Promise<{ at: number; value?: T; error?: unknown }> {
  const timed = promise.then(
    (value) => ({ at: clock.now(), value }),
    (error: unknown) => ({ at: clock.now(), error }),
  );
  return clock.runUntil(timed);
}

describe('withTimeout', () => {
  describe('when the function settles before the timeout', () => {
    it('resolves with its value and leaves no timer behind', async () => {
      const clock = new ManualClock();
      const p = withTimeout((signal) => clock.sleep(2000, signal).then(() => 'done'), {
        timeoutMs: 5000,
        graceMs: 1000,
        clock,
        stageId: 'validate_idea',
      });
      assert.deepEqual(await settleTime(clock, p), { at: 2000, value: 'done' });
      assert.equal(clock.pending, 0);
    });

    it('rejects with the function\'s own error, thrown or rejected', async () => {
      const clock = new ManualClock();
      const boom = new Error('boom');
      const sync = withTimeout(() => {
        throw boom;
      }, { timeoutMs: 5000, graceMs: 1000, clock, stageId: 's' });
      assert.deepEqual(await settleTime(clock, sync), { at: 0, error: boom });
      const async = withTimeout(() => Promise.reject(boom), { timeoutMs: 5000, graceMs: 1000, clock, stageId: 's' });
      assert.deepEqual(await settleTime(clock, async), { at: 0, error: boom });
      assert.equal(clock.pending, 0);
    });
  });

  describe('when the function honours its abort signal', () => {
    it('aborts it at timeoutMs and rejects with STAGE_TIMEOUT then, not with the function\'s abort error', async () => {
      const clock = new ManualClock();
      let abortedAt = -1;
      const p = withTimeout(
        (signal) => {
          signal.addEventListener('abort', () => (abortedAt = clock.now()));
          return clock.sleep(60_000, signal);
        },
        { timeoutMs: 5000, graceMs: 1000, clock, stageId: 'ingest_data' },
      );
      const { at, error } = await settleTime(clock, p);
      assert.equal(at, 5000);
      assert.equal(abortedAt, 5000);
      assert.ok(hasErrorCode(error, 'STAGE_TIMEOUT'));
      assert.equal(error.message, 'Stage `ingest_data` timed out after 5000 ms (timeoutMs)');
      assert.equal(error.errorClass, 'transient');
      assert.deepEqual(error.data, { timeoutMs: 5000, graceMs: 1000, abandoned: false });
      assert.equal(clock.pending, 0);
    });
  });

  describe('when the function ignores its abort signal', () => {
    it('abandons it after timeoutMs + graceMs and rejects with STAGE_TIMEOUT naming stage and limit', async () => {
      const clock = new ManualClock();
      const p = withTimeout(() => never(), { timeoutMs: 5000, graceMs: 1000, clock, stageId: 'ingest_data' });
      const { at, error } = await settleTime(clock, p);
      assert.equal(at, 6000);
      assert.ok(hasErrorCode(error, 'STAGE_TIMEOUT'));
      assert.equal(
        error.message,
        'Stage `ingest_data` timed out after 5000 ms (timeoutMs); it ignored its abort signal and was abandoned after a further 1000 ms grace',
      );
      assert.equal(error.stageId, 'ingest_data');
      assert.deepEqual(clock.sleeps, [5000, 1000]);
      assert.equal(clock.pending, 0);
    });

    it('rejects at timeoutMs when graceMs is 0', async () => {
      const clock = new ManualClock();
      const p = withTimeout(() => never(), { timeoutMs: 300, graceMs: 0, clock, stageId: 's' });
      const { at, error } = await settleTime(clock, p);
      assert.equal(at, 300);
      assert.ok(hasErrorCode(error, 'STAGE_TIMEOUT'));
    });
  });

  describe('when timeoutMs is 0', () => {
    it('sets no timeout, but still honours the parent signal', async () => {
      const clock = new ManualClock();
      const parent = new AbortController();
      const p = withTimeout(() => never(), { timeoutMs: 0, graceMs: 1000, clock, parentSignal: parent.signal, stageId: 'run_simulation' });
      await clock.advance(10_000_000);
      assert.deepEqual(clock.sleeps, []);
      parent.abort(new Error('user pressed stop'));
      const { at, error } = await settleTime(clock, p);
      assert.equal(at, 10_001_000);
      assert.ok(hasErrorCode(error, 'STAGE_CANCELLED'));
      assert.equal(error.message, 'Stage `run_simulation` was cancelled: user pressed stop');
    });
  });

  describe('when the parent signal aborts', () => {
    it('aborts the attempt\'s signal with the STAGE_CANCELLED error and rejects as soon as the function stops', async () => {
      const clock = new ManualClock();
      const parent = new AbortController();
      let seen: unknown;
      const p = withTimeout(
        (signal) =>
          clock.sleep(60_000, signal).catch((e: unknown) => {
            seen = signal.reason;
            throw e;
          }),
        { timeoutMs: 5000, graceMs: 1000, clock, parentSignal: parent.signal, stageId: 's' },
      );
      await clock.advance(1000);
      parent.abort();
      const { at, error } = await settleTime(clock, p);
      assert.equal(at, 1000);
      assert.ok(hasErrorCode(error, 'STAGE_CANCELLED'));
      assert.equal(seen, error);
      assert.equal(clock.pending, 0);
    });

    it('does not call the function when the parent is already aborted', async () => {
      const parent = new AbortController();
      parent.abort('stop');
      let called = false;
      await assert.rejects(
        withTimeout(
          async () => {
            called = true;
          },
          { timeoutMs: 5000, graceMs: 1000, clock: new ManualClock(), parentSignal: parent.signal, stageId: 's' },
        ),
        (e: unknown) => hasErrorCode(e, 'STAGE_CANCELLED') && e.message === 'Stage `s` was cancelled: stop',
      );
      assert.equal(called, false);
    });
  });
});

describe('timeoutPolicy', () => {
  describe('when the wrapped call ignores its signal past timeoutMs', () => {
    it('hands it the attempt\'s own signal, aborts it at timeoutMs and rejects with STAGE_TIMEOUT after the grace', async () => {
      const clock = new ManualClock(0);
      const run = new AbortController();
      const seen: AbortSignal[] = [];
      const done = timeoutPolicy({ timeoutMs: 5000, graceMs: 1000, clock, stageId: 'ingest' }).execute(
        (ctx) => { seen.push(ctx.signal); return new Promise<never>(() => {}); },
        { attempt: 2, signal: run.signal },
      );
      await assert.rejects(clock.runUntil(done), (e: unknown) => hasErrorCode(e, 'STAGE_TIMEOUT') && e.data.abandoned === true);
      assert.deepEqual(clock.sleeps, [5000, 1000]);
      assert.notEqual(seen[0], run.signal);
      assert.equal(seen[0].aborted, true);
      assert.equal(run.signal.aborted, false);
    });
  });
});
