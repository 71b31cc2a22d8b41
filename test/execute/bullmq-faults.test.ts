import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineDefinition } from '../../src/definition/types';
import type { PipelineEvent } from '../../src/events/event';
import { stageJobId } from '../../src/execute/stage-job';
import { compilePipeline } from '../../src/plan/compile';
import { startRun } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { startRedis, type TestRedis } from '../redis';
import { gate, QUEUE_STAGES } from './fixtures/queue-stages';
import { startWorker, withQueue, type WorkerProcess } from './fixtures/worker-process';

/*
 * Redis going away under a running stage job: real Redis servers shut down
 * and started again on the same port, a real worker process, the system
 * clock; each test waits for an outcome, not for a timing window.
 */

/** The one-stage pipeline whose `gate` runs on `queue` until `release` is written to `markerDir`. */
function gated(redis: TestRedis, queue: string, markerDir: string, unreachableTimeoutMs?: number): PipelineDefinition {
  return {
    name: queue,
    stages: [
      {
        id: 'gate',
        run: gate,
        fn: `${QUEUE_STAGES}#gate`,
        params: { markerDir },
        timeoutMs: 0,
        retry: { maxAttempts: 1 },
        executor: { kind: 'bullmq', connection: redis.url, queue, ...(unreachableTimeoutMs === undefined ? {} : { unreachableTimeoutMs }) },
      },
    ],
  };
}

/** Resolves once the stage started on a worker (its pid line is in `started`). */
async function started(markerDir: string): Promise<void> {
  while (!fs.existsSync(path.join(markerDir, 'started'))) await new Promise((r) => setTimeout(r, 20));
}

function jobCounts(redis: TestRedis, queue: string): Promise<Record<string, number>> {
  return withQueue(redis, queue, (q) => q.getJobCounts('completed', 'waiting', 'active', 'failed'));
}

describe('bullmqExecutor, when Redis goes away mid-run', () => {
  let redis: TestRedis | undefined;
  let worker: WorkerProcess | undefined;
  let markerDir: string;
  beforeEach(() => {
    markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-markers-'));
  });
  afterEach(async () => {
    await worker?.stop();
    await redis?.stop();
    worker = undefined;
    redis = undefined;
    fs.rmSync(markerDir, { recursive: true, force: true });
  });

  describe('when Redis keeps its data and is back while the worker still runs the job', () => {
    it('the run goes on: the job finishes once, and the stage is recorded once', async () => {
      redis = await startRedis({ persistence: true });
      worker = await startWorker(redis, 'kept');
      const events: PipelineEvent[] = [];
      const handle = startRun(compilePipeline(gated(redis, 'kept', markerDir)), { store: new MemoryStore(), runId: 'run-kept' });
      handle.events.subscribe((event) => events.push(event));
      await started(markerDir);
      await redis.shutdown();
      await new Promise((r) => setTimeout(r, 300));
      await redis.restart();
      fs.writeFileSync(path.join(markerDir, 'release'), '');
      const result = await handle.result;

      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(result.stages.gate.attempts, 1);
      assert.equal(fs.readFileSync(path.join(markerDir, 'started'), 'utf8'), `${worker.child.pid}\n`);
      assert.deepEqual(events.filter((e) => e.type === 'STEP_SUCCESS').map((e) => e.stageId), ['gate']);
      assert.deepEqual(await jobCounts(redis, 'kept'), { completed: 1, waiting: 0, active: 0, failed: 0, paused: 0 });
    });
  });

  describe('when Redis comes back empty (no persistence): the job is lost', () => {
    it('enqueues the same job again, which runs again, and records the stage once', async () => {
      redis = await startRedis();
      worker = await startWorker(redis, 'lost');
      const events: PipelineEvent[] = [];
      const handle = startRun(compilePipeline(gated(redis, 'lost', markerDir)), { store: new MemoryStore(), runId: 'run-lost' });
      handle.events.subscribe((event) => events.push(event));
      await started(markerDir);
      await redis.shutdown();
      await redis.restart();
      // The worker's first run of the job ends into a Redis that no longer has it.
      fs.writeFileSync(path.join(markerDir, 'release'), '');
      const result = await handle.result;

      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(result.stages.gate.attempts, 1);
      const jobId = stageJobId(result.runId, result.stages.gate.idempotencyKey, 1);
      assert.deepEqual(
        events.filter((e) => e.type === 'LOG' && e.message.includes('lost')).map((e) => e.message),
        [`Stage \`gate\` attempt 1: its queue job \`${jobId}\` was lost by Redis; enqueued again`],
      );
      // Delivery is at least once: the stage ran twice on the worker, and is recorded once.
      assert.equal(fs.readFileSync(path.join(markerDir, 'started'), 'utf8'), `${worker.child.pid}\n${worker.child.pid}\n`);
      assert.deepEqual(events.filter((e) => e.type === 'STEP_SUCCESS').map((e) => e.stageId), ['gate']);
      assert.deepEqual(await jobCounts(redis, 'lost'), { completed: 1, waiting: 0, active: 0, failed: 0, paused: 0 });
    });
  });

  describe('when Redis stays away longer than the executor\'s `unreachableTimeoutMs`', () => {
    it('fails the attempt with REDIS_UNREACHABLE naming the URL, the queue and the time waited', async () => {
      redis = await startRedis();
      worker = await startWorker(redis, 'gone');
      const handle = startRun(compilePipeline(gated(redis, 'gone', markerDir, 400)), { store: new MemoryStore(), runId: 'run-gone' });
      await started(markerDir);
      await redis.shutdown();
      const result = await handle.result;

      assert.equal(result.status, 'FAILED');
      assert.equal(result.stages.gate.status, 'FAILED');
      assert.deepEqual([result.stages.gate.error?.code, result.stages.gate.error?.message], [
        'REDIS_UNREACHABLE',
        `Redis at ${redis.url} (queue \`gone\`) could not be reached for 400 ms: the stage's attempt on it ends here (its job, if Redis kept it, may still run on a worker; a retry is a new job)`,
      ]);
      assert.equal(result.stages.gate.attempts, 1);
      // Its worker waits for Redis to record the job it still runs: nothing to wait for here.
      worker.child.kill('SIGKILL');
    });
  });
});
