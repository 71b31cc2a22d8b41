import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import type { PipelineDefinition } from '../../src/definition/types';
import { NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import { startRun, type RunOptions, type RunResult } from '../../src/run/run-pipeline';
import { seededRandom } from '../../src/random';
import { openDurableStore, type DurableStore } from '../../src/store/durable-store';
import { tempDir } from './fixtures/child';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const RECOVERY_MS = 60_000;

describe('breaker and budget state across store restarts', () => {
  let dir: string;
  let clock: ManualClock;
  let store: DurableStore | undefined;
  const reopen = async (pipeline: string): Promise<DurableStore> => {
    await store?.close();
    store = await openDurableStore({ stateDir: dir, pipeline, clock });
    return store;
  };
  /** Runs to the end, moving the manual clock through retry delays. */
  const run = (def: PipelineDefinition, options: RunOptions): Promise<RunResult> =>
    clock.runUntil(startRun(compilePipeline(def), { clock, random: seededRandom(1), ...options }).result);

  beforeEach(() => {
    dir = tempDir();
    clock = new ManualClock(T0);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a breaker opened in a run before the store was closed', () => {
    let calls: number;
    let healthy: boolean;
    const def = (): PipelineDefinition => ({
      name: 'api',
      stages: [
        {
          id: 'fetch',
          breaker: { key: 'search-api', failureThreshold: 2, recoveryTimeoutMs: RECOVERY_MS },
          retry: { maxAttempts: 2, baseDelayMs: 100, minDelayMs: 100, jitter: 0 },
          classify: () => 'transient',
          run: () => {
            calls++;
            if (!healthy) throw new Error('search API answered 503');
            return { hits: 3 };
          },
        },
      ],
    });
    beforeEach(() => {
      calls = 0;
      healthy = false;
    });

    it('stays open after reopening (CIRCUIT_OPEN naming the half-open time) until its recovery time, then lets a probe through', async () => {
      const first = await run(def(), { store: await reopen('api'), runId: 'run-1' });
      assert.equal(first.stages.fetch.status, 'FAILED');
      assert.equal(calls, 2);
      const openedAt = T0 + 100;
      const halfOpenAt = new Date(openedAt + RECOVERY_MS).toISOString();

      clock = new ManualClock(openedAt + RECOVERY_MS - 1); // A new process: a new clock, 1 ms too early.
      const s2 = await reopen('api');
      assert.deepEqual(await s2.loadBreakers(), { 'search-api': { state: 'OPEN', failures: 2, openedAt } });
      const second = await run(def(), { store: s2, runId: 'run-2' });
      assert.equal(calls, 2); // Refused without calling the service.
      assert.equal(second.stages.fetch.status, 'FAILED');
      assert.equal(second.stages.fetch.error?.code, 'CIRCUIT_OPEN');
      assert.equal(second.stages.fetch.error?.data?.halfOpenAt, halfOpenAt);
      assert.ok(second.stages.fetch.error?.message.includes(`it half-opens at ${halfOpenAt}`));

      clock = new ManualClock(openedAt + RECOVERY_MS);
      healthy = true;
      const third = await run(def(), { store: await reopen('api'), runId: 'run-3' });
      assert.equal(third.status, 'SUCCEEDED');
      assert.equal(calls, 3);

      const s4 = await reopen('api');
      assert.deepEqual(await s4.loadBreakers(), { 'search-api': { state: 'CLOSED', failures: 0, openedAt: null } });
    });
  });

  describe('when consecutive failures below the threshold span store restarts', () => {
    it('counts them together and opens the breaker at the threshold', async () => {
      let calls = 0;
      const def: PipelineDefinition = {
        name: 'api',
        stages: [
          {
            id: 'fetch',
            breaker: { key: 'search-api', failureThreshold: 3, recoveryTimeoutMs: RECOVERY_MS },
            retry: { maxAttempts: 1 },
            classify: () => 'transient',
            run: () => {
              calls++;
              throw new Error('search API answered 503');
            },
          },
        ],
      };
      for (const runId of ['run-1', 'run-2', 'run-3', 'run-4']) {
        await run(def, { store: await reopen('api'), runId });
        clock = new ManualClock(clock.now() + 1000);
      }
      const s = await reopen('api');
      assert.equal(calls, 3); // The fourth run was refused by the open breaker.
      assert.deepEqual(await s.loadBreakers(), { 'search-api': { state: 'OPEN', failures: 3, openedAt: T0 + 2000 } });
    });
  });

  describe('when a failed run is resumed after reopening the store', () => {
    it('counts the tokens its completed stages used against the global budget', async () => {
      let bFails = true;
      const def = (): PipelineDefinition => ({
        name: 'llm',
        budgets: { tokens: 100 },
        stages: [
          { id: 'a', run: (ctx) => (ctx.usage('tokens', 60), 'a') },
          {
            id: 'b',
            deps: ['a'],
            run: (ctx) => {
              if (bFails) throw new NonRetryableError('the prompt template is missing');
              ctx.usage('tokens', 50);
              return 'b';
            },
          },
        ],
      });
      const first = await run(def(), { store: await reopen('llm'), runId: 'run-1' });
      assert.equal(first.status, 'FAILED');
      assert.deepEqual(first.metrics.usage, { tokens: 60 });

      bFails = false;
      const resumed = await run(def(), { store: await reopen('llm'), resume: 'run-1' });
      assert.equal(resumed.stages.a.status, 'SUCCEEDED');
      assert.equal(resumed.stages.b.status, 'FAILED');
      assert.equal(resumed.stages.b.error?.code, 'BUDGET_EXHAUSTED');
      assert.equal((await store!.getRun('run-1'))?.usage.tokens, 110);
    });
  });
});
