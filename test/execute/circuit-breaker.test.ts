import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { BreakerRegistry, CircuitBreaker, type BreakerStateChange } from '../../src/execute/circuit-breaker';
import { hasErrorCode } from '../../src/errors';

/** 2024-12-02T10:30:45.000Z */
const T0 = Date.UTC(2024, 11, 2, 10, 30, 45);

/** SMVM breaker table: Synthesize Personas (threshold 3, recovery 300 s). */
function personasBreaker(clock: ManualClock, changes: (BreakerStateChange & { at: number })[] = []): CircuitBreaker {
  return new CircuitBreaker({
    key: 'personas-llm',
    failureThreshold: 3,
    recoveryTimeoutMs: 300_000,
    clock,
    onStateChange: (c) => changes.push({ ...c, at: clock.now() }),
  });
}

function failOnce(breaker: CircuitBreaker, errorClass: 'transient' | 'persistent' | 'resource' | 'logic' = 'transient'): void {
  breaker.failure(breaker.acquire('synthesize_personas'), errorClass);
}

describe('CircuitBreaker', () => {
  describe('when failures reach the threshold', () => {
    it('goes CLOSED -> OPEN on the third consecutive failure, with the half-open time', async () => {
      const clock = new ManualClock(T0);
      const changes: (BreakerStateChange & { at: number })[] = [];
      const breaker = personasBreaker(clock, changes);
      failOnce(breaker);
      await clock.advance(1000);
      failOnce(breaker);
      assert.equal(breaker.state, 'CLOSED');
      await clock.advance(1000);
      failOnce(breaker);
      assert.equal(breaker.state, 'OPEN');
      assert.deepEqual(changes, [
        {
          key: 'personas-llm',
          from: 'CLOSED',
          to: 'OPEN',
          failures: 3,
          halfOpenAt: '2024-12-02T10:35:47.000Z',
          stageId: 'synthesize_personas',
          at: T0 + 2000,
        },
      ]);
      assert.equal(breaker.halfOpenAt, T0 + 2000 + 300_000);
    });

    it('does not open when a success breaks the run of failures', () => {
      const breaker = personasBreaker(new ManualClock(T0));
      failOnce(breaker);
      failOnce(breaker);
      breaker.success(breaker.acquire());
      failOnce(breaker);
      failOnce(breaker);
      assert.equal(breaker.state, 'CLOSED');
      assert.equal(breaker.failures, 2);
    });
  });

  describe('when open', () => {
    it('fails fast with CIRCUIT_OPEN saying when it half-opens', () => {
      const breaker = personasBreaker(new ManualClock(T0));
      failOnce(breaker);
      failOnce(breaker);
      failOnce(breaker);
      assert.throws(
        () => breaker.acquire('synthesize_competitors'),
        (e: unknown) =>
          hasErrorCode(e, 'CIRCUIT_OPEN') &&
          e.message === 'Circuit breaker `personas-llm` is open; it half-opens at 2024-12-02T10:35:45.000Z' &&
          e.errorClass === 'resource' &&
          e.stageId === 'synthesize_competitors' &&
          JSON.stringify(e.data) ===
            JSON.stringify({ key: 'personas-llm', halfOpenAt: '2024-12-02T10:35:45.000Z', halfOpenAtMs: T0 + 300_000 }),
      );
    });

    it('still fails fast 1 ms before recoveryTimeoutMs has passed', async () => {
      const clock = new ManualClock(T0);
      const breaker = personasBreaker(clock);
      for (let i = 0; i < 3; i++) failOnce(breaker);
      await clock.advance(299_999);
      assert.throws(() => breaker.acquire(), (e: unknown) => hasErrorCode(e, 'CIRCUIT_OPEN'));
      assert.equal(breaker.state, 'OPEN');
    });
  });

  describe('when recoveryTimeoutMs has passed', () => {
    it('lets one probe through, fails concurrent calls fast, and closes on the probe\'s success', async () => {
      const clock = new ManualClock(T0);
      const changes: (BreakerStateChange & { at: number })[] = [];
      const breaker = personasBreaker(clock, changes);
      for (let i = 0; i < 3; i++) failOnce(breaker);
      await clock.advance(300_000);
      const probe = breaker.acquire('synthesize_personas');
      assert.equal(probe.probe, true);
      assert.throws(
        () => breaker.acquire('synthesize_competitors'),
        (e: unknown) =>
          hasErrorCode(e, 'CIRCUIT_OPEN') &&
          e.message === 'Circuit breaker `personas-llm` is half-open and its probe call is still running; it closes or reopens when that probe ends',
      );
      await clock.advance(5000);
      breaker.success(probe);
      assert.deepEqual(
        changes.map((c) => [c.from, c.to, c.failures, c.at]),
        [
          ['CLOSED', 'OPEN', 3, T0],
          ['OPEN', 'HALF_OPEN', 3, T0 + 300_000],
          ['HALF_OPEN', 'CLOSED', 0, T0 + 305_000],
        ],
      );
      assert.deepEqual(breaker.toJSON(), { state: 'CLOSED', failures: 0, openedAt: null });
    });

    it('opens again with a fresh timer when the probe fails', async () => {
      const clock = new ManualClock(T0);
      const changes: (BreakerStateChange & { at: number })[] = [];
      const breaker = personasBreaker(clock, changes);
      for (let i = 0; i < 3; i++) failOnce(breaker);
      await clock.advance(300_000);
      const probe = breaker.acquire();
      await clock.advance(2000);
      breaker.failure(probe, 'transient');
      assert.deepEqual(changes.at(-1), {
        key: 'personas-llm',
        from: 'HALF_OPEN',
        to: 'OPEN',
        failures: 4,
        halfOpenAt: '2024-12-02T10:40:47.000Z',
        at: T0 + 302_000,
      });
      assert.deepEqual(breaker.toJSON(), { state: 'OPEN', failures: 4, openedAt: T0 + 302_000 });
    });
  });

  describe('when a failure is persistent (bad input)', () => {
    it('does not count it while closed', () => {
      const breaker = personasBreaker(new ManualClock(T0));
      for (let i = 0; i < 5; i++) failOnce(breaker, 'persistent');
      assert.equal(breaker.state, 'CLOSED');
      assert.equal(breaker.failures, 0);
    });

    it('counts logic and resource failures', () => {
      const breaker = personasBreaker(new ManualClock(T0));
      failOnce(breaker, 'logic');
      failOnce(breaker, 'resource');
      failOnce(breaker, 'transient');
      assert.equal(breaker.state, 'OPEN');
    });

    it('leaves a probe that ends with it undecided: the next call probes', async () => {
      const clock = new ManualClock(T0);
      const breaker = personasBreaker(clock);
      for (let i = 0; i < 3; i++) failOnce(breaker);
      await clock.advance(300_000);
      breaker.failure(breaker.acquire(), 'persistent');
      assert.equal(breaker.state, 'HALF_OPEN');
      assert.equal(breaker.acquire().probe, true);
    });
  });

  describe('when a call admitted while closed ends after the breaker opened', () => {
    it('ignores its result', () => {
      const breaker = personasBreaker(new ManualClock(T0));
      const straggler = breaker.acquire();
      for (let i = 0; i < 3; i++) failOnce(breaker);
      breaker.success(straggler);
      assert.deepEqual(breaker.toJSON(), { state: 'OPEN', failures: 3, openedAt: T0 });
    });
  });

  describe('when resumed from a snapshot', () => {
    it('an OPEN snapshot keeps failing fast until its half-open time, then probes', async () => {
      const clock = new ManualClock(T0 + 100_000);
      const changes: BreakerStateChange[] = [];
      const breaker = CircuitBreaker.fromJSON(
        { key: 'analyze', failureThreshold: 2, recoveryTimeoutMs: 600_000, clock, onStateChange: (c) => changes.push(c) },
        { state: 'OPEN', failures: 2, openedAt: T0 },
      );
      assert.throws(() => breaker.acquire(), (e: unknown) => hasErrorCode(e, 'CIRCUIT_OPEN') && e.data.halfOpenAtMs === T0 + 600_000);
      await clock.advance(500_000);
      assert.equal(breaker.acquire().probe, true);
      assert.deepEqual(changes, [{ key: 'analyze', from: 'OPEN', to: 'HALF_OPEN', failures: 2 }]);
    });

    it('a HALF_OPEN snapshot (probe lost in a crash) lets the next call probe', () => {
      const breaker = new CircuitBreaker(
        { key: 'analyze', failureThreshold: 2, recoveryTimeoutMs: 600_000, clock: new ManualClock(T0) },
        { state: 'HALF_OPEN', failures: 2, openedAt: T0 - 600_000 },
      );
      assert.equal(breaker.acquire().probe, true);
    });

    it('round-trips through toJSON', () => {
      const clock = new ManualClock(T0);
      const breaker = personasBreaker(clock);
      failOnce(breaker);
      failOnce(breaker);
      const copy = CircuitBreaker.fromJSON(
        { key: 'personas-llm', failureThreshold: 3, recoveryTimeoutMs: 300_000, clock },
        JSON.parse(JSON.stringify(breaker.toJSON())),
      );
      assert.deepEqual(copy.toJSON(), { state: 'CLOSED', failures: 2, openedAt: null });
      failOnce(copy);
      assert.equal(copy.state, 'OPEN');
    });
  });
});

describe('BreakerRegistry', () => {
  describe('when two stages share a key', () => {
    it('gives them one breaker, so failures of either count together', () => {
      const changes: BreakerStateChange[] = [];
      const registry = new BreakerRegistry({ clock: new ManualClock(T0), onStateChange: (c) => changes.push(c) });
      const config = { key: 'llm', failureThreshold: 2, recoveryTimeoutMs: 300_000 };
      const a = registry.get(config);
      const b = registry.get({ ...config, failureThreshold: 9 });
      assert.equal(a, b);
      a.failure(a.acquire('synthesize_personas'), 'transient');
      b.failure(b.acquire('synthesize_competitors'), 'transient');
      assert.deepEqual(changes.map((c) => [c.key, c.to, c.stageId]), [['llm', 'OPEN', 'synthesize_competitors']]);
    });
  });

  describe('when seeded from snapshots', () => {
    it('resumes each breaker and lists every snapshot, updated by use', () => {
      const registry = new BreakerRegistry({
        clock: new ManualClock(T0),
        snapshots: {
          llm: { state: 'OPEN', failures: 3, openedAt: T0 - 1000 },
          search: { state: 'CLOSED', failures: 1, openedAt: null },
        },
      });
      const llm = registry.get({ key: 'llm', failureThreshold: 3, recoveryTimeoutMs: 300_000 });
      assert.equal(llm.state, 'OPEN');
      const search = registry.get({ key: 'search', failureThreshold: 3, recoveryTimeoutMs: 300_000 });
      search.success(search.acquire());
      assert.deepEqual(registry.snapshots(), {
        llm: { state: 'OPEN', failures: 3, openedAt: T0 - 1000 },
        search: { state: 'CLOSED', failures: 0, openedAt: null },
      });
      assert.equal(registry.find('other'), undefined);
    });
  });
});
