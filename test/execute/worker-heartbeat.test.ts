import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock';
import { startHeartbeat, type HashWriter } from '../../src/execute/worker-heartbeat';

/** A hash in memory, as the heartbeat writes it (Redis itself is in worker-list.test.ts). */
class MemoryHash implements HashWriter {
  readonly fields = new Map<string, Map<string, string>>();
  async hset(key: string, field: string, value: string): Promise<number> {
    if (!this.fields.has(key)) this.fields.set(key, new Map());
    this.fields.get(key)!.set(field, value);
    return 1;
  }
  async hdel(key: string, field: string): Promise<number> {
    return this.fields.get(key)?.delete(field) ? 1 : 0;
  }
}

describe('startHeartbeat', () => {
  describe('when it runs for two intervals and is stopped', () => {
    it('beats at once and every interval with the figures of the time, then deletes its entry', async () => {
      const clock = new ManualClock(10_000);
      const redis = new MemoryHash();
      const figures = { name: 'w-1', host: 'h', pid: 7, concurrency: 2, startedAt: 10_000, running: 0, completed: 0, failed: 0 };
      const heartbeat = startHeartbeat({ redis, queue: 'q', intervalMs: 500, clock, figures: () => ({ ...figures }) });
      await heartbeat.first;
      const entry = () => JSON.parse(redis.fields.get('dagbook:q:workers')!.get('w-1')!) as Record<string, unknown>;
      assert.deepEqual(entry(), { ...figures, beatAt: 10_000, intervalMs: 500 });
      figures.running = 1;
      await clock.advance(500);
      assert.deepEqual(entry(), { ...figures, beatAt: 10_500, intervalMs: 500 });
      figures.running = 0;
      figures.completed = 1;
      await clock.advance(500);
      assert.deepEqual(entry(), { ...figures, beatAt: 11_000, intervalMs: 500 });
      await heartbeat.stop();
      assert.deepEqual([...redis.fields.get('dagbook:q:workers')!.keys()], []);
      assert.deepEqual(clock.sleeps, [500, 500, 500]);
    });
  });

  describe('when the interval is not a number > 0', () => {
    it('refuses it with INVALID_OPTION naming the value', () => {
      assert.throws(() => startHeartbeat({ redis: new MemoryHash(), queue: 'q', intervalMs: 0, clock: new ManualClock(0), figures: () => ({ name: 'w', host: 'h', pid: 1, concurrency: 1, startedAt: 0, running: 0, completed: 0, failed: 0 }) }), {
        code: 'INVALID_OPTION',
        message: 'Expected `heartbeatMs` to be a number > 0, got `0`',
      });
    });
  });
});
