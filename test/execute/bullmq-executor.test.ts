import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutorOptions, ItemSet, PipelineDefinition, StageDefinition } from '../../src/definition/types';
import type { PipelineEvent } from '../../src/events/event';
import { stageJobId } from '../../src/execute/stage-job';
import { compilePipeline } from '../../src/plan/compile';
import type { StageRecord } from '../../src/records';
import { runPipeline, startRun, type RunResult } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { MemoryStore } from '../../src/store/memory-store';
import { startRedis } from '../redis';
import { DAGBOOK_CHILD as WORKER_CHILD, useQueueWorkers, withQueue } from './fixtures/worker-process';
import { bigText, gate, hangOnce, numbers, QUEUE_STAGES, squares, textLength, total, upper } from './fixtures/queue-stages';

/*
 * Real Redis, real worker processes (`dagbook worker` from src/ through tsx),
 * the system clock: each test waits for an outcome, not for a timing window.
 */

const COORDINATOR = path.join(__dirname, 'fixtures', 'queue-coordinator.ts');

/** The 3-stage pipeline numbers -> squares -> total, with `squares` on `executor` when given. */
function threeStages(executor?: ExecutorOptions): PipelineDefinition {
  const middle: StageDefinition = {
    id: 'squares',
    deps: ['numbers'],
    run: squares,
    fn: `${QUEUE_STAGES}#squares`,
    budgets: { tokens: 10 },
    ...(executor === undefined ? {} : { executor }),
  };
  return {
    name: 'squares',
    stages: [{ id: 'numbers', run: numbers }, middle, { id: 'total', deps: ['squares'], run: total }],
  };
}

/** What must be equal between a local run and a run on workers: everything but times and ids. */
function comparable(record: StageRecord): unknown {
  return {
    status: record.status,
    attempts: record.attempts,
    cacheKey: record.cacheKey,
    outputHash: record.outputHash,
    usage: record.usage,
    validation: record.validation,
    progress: record.progress,
    attemptOutcomes: record.attemptLog.map((a) => [a.attempt, a.outcome, a.code]),
  };
}

describe('bullmqExecutor', () => {
  const queues = useQueueWorkers();

  describe('when the middle stage of three runs on a worker process', () => {
    it('gives the same outputs and records as a local run, and its progress arrives as events', async () => {
      const worker = await queues.start('three');
      const localStore = new MemoryStore();
      const local = await runPipeline(compilePipeline(threeStages()), { store: localStore, runId: 'run-local' });
      const remoteStore = new MemoryStore();
      const events: PipelineEvent[] = [];
      const handle = startRun(compilePipeline(threeStages({ kind: 'bullmq', connection: queues.redis.url, queue: 'three' })), {
        store: remoteStore,
        runId: 'run-remote',
      });
      handle.events.subscribe((event) => events.push(event));
      const remote: RunResult = await handle.result;

      assert.equal(remote.status, 'SUCCEEDED');
      assert.deepEqual(remote.outputHashes, local.outputHashes);
      assert.deepEqual(await remoteStore.getOutput(remote.outputHashes.total), { total: 30 });
      assert.deepEqual(await remoteStore.getOutput(remote.outputHashes.squares), { squares: [1, 4, 9, 16] });
      for (const id of ['numbers', 'squares', 'total']) assert.deepEqual(comparable(remote.stages[id]), comparable(local.stages[id]), id);
      assert.deepEqual(remote.stages.squares.usage, { tokens: 4 });
      assert.deepEqual(
        events.filter((e) => e.type === 'STEP_PROGRESS' && e.stageId === 'squares').map((e) => e.message),
        ['squared 1', 'squared 2', 'squared 3', 'squared 4'],
      );
      const jobId = stageJobId(remote.runId, remote.stages.squares.idempotencyKey, 1);
      const workerName = `${os.hostname()}:${worker.child.pid}`;
      assert.deepEqual(
        events.filter((e) => e.type === 'LOG').map((e) => [e.stageId, e.message, e.metadata]),
        [['squares', `Stage \`squares\` attempt 1 ran on worker ${workerName}`, { worker: workerName, jobId }]],
      );
      // The job ran on the worker process, under the attempt's job id; enqueueing it again adds nothing.
      await withQueue(queues.redis, 'three', async (queue) => {
        const job = await queue.getJob(jobId);
        assert.equal(job?.returnvalue.worker, workerName);
        await queue.add('squares', job!.data, { jobId });
        assert.deepEqual(await queue.getJobCounts('completed', 'waiting', 'active'), { completed: 1, waiting: 0, active: 0, paused: 0 });
      });
      assert.equal(await worker.stop(), 0);
      assert.match(worker.output(), /worker \S+ stopped/);
    });
  });

  describe('when a stage on a worker returns a large output to a stage on a worker, the state folder shared', () => {
    it('sends both through the shared store, not Redis, and the stored outputs and cache hits are as locally', async () => {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-shared-'));
      const worker = await queues.start('shared');
      const executor: ExecutorOptions = { kind: 'bullmq', connection: queues.redis.url, queue: 'shared' };
      const pipeline: PipelineDefinition = {
        name: 'shared',
        stages: [
          { id: 'big', run: bigText, fn: `${QUEUE_STAGES}#bigText`, params: { char: 'q', size: 200_000 }, executor },
          { id: 'length', deps: ['big'], run: textLength, fn: `${QUEUE_STAGES}#textLength`, executor },
        ],
      };
      const runOnce = async (runId: string): Promise<RunResult> => {
        const store = await openDurableStore({ stateDir, pipeline: 'shared' });
        try {
          return await runPipeline(compilePipeline(pipeline), { store, runId });
        } finally {
          await store.close();
        }
      };
      const first = await runOnce('run-shared-1');
      const second = await runOnce('run-shared-2');

      assert.equal(first.status, 'SUCCEEDED');
      const artifacts = path.join(stateDir, 'shared', 'artifacts');
      const bigHash = first.outputHashes.big;
      assert.equal(fs.readFileSync(path.join(artifacts, bigHash), 'utf8').length > 200_000, true);
      await withQueue(queues.redis, 'shared', async (queue) => {
        const big = await queue.getJob(stageJobId(first.runId, first.stages.big.idempotencyKey, 1));
        assert.deepEqual(big?.returnvalue, { type: 'result', outputHash: bigHash, worker: `${os.hostname()}:${worker.child.pid}` });
        const length = await queue.getJob(stageJobId(first.runId, first.stages.length.idempotencyKey, 1));
        assert.equal(length?.data.inputs, undefined);
        assert.equal(fs.existsSync(path.join(artifacts, length!.data.inputsHash!)), true);
        assert.equal(typeof length?.returnvalue.output, 'string');
      });
      const local = await runPipeline(compilePipeline({ name: 'shared', stages: pipeline.stages.map(({ executor: _, ...stage }) => stage) }), {
        store: new MemoryStore(),
        runId: 'run-shared-local',
      });
      assert.deepEqual(first.outputHashes, local.outputHashes);
      assert.deepEqual([second.stages.big.status, second.stages.length.status], ['CACHED', 'CACHED']);
      const reopened = await openDurableStore({ stateDir, pipeline: 'shared' });
      try {
        assert.deepEqual(await reopened.getOutput(second.outputHashes.length), { length: 200_000, head: 'qqq' });
      } finally {
        await reopened.close();
      }
      fs.rmSync(stateDir, { recursive: true, force: true });
    });
  });

  describe('when `dagbook run` names the executor on the command line', () => {
    it('runs every stage of a local pipeline file as a job on the worker', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-cli-'));
      const file = path.join(dir, 'squares.yaml');
      fs.writeFileSync(
        file,
        [
          'name: squares',
          'stages:',
          `  numbers: { fn: "${QUEUE_STAGES}#numbers" }`,
          `  squares: { fn: "${QUEUE_STAGES}#squares", deps: [numbers] }`,
          `  total: { fn: "${QUEUE_STAGES}#total", deps: [squares] }`,
          '',
        ].join('\n'),
      );
      const worker = await queues.start('cli');
      const run = spawn(
        process.execPath,
        ['--import', 'tsx', WORKER_CHILD, 'run', file, '--state-dir', path.join(dir, 'state'), '--executor', 'bullmq', '--redis', queues.redis.url, '--queue', 'cli'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      run.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
      run.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));

      assert.equal(code, 0, text);
      await withQueue(queues.redis, 'cli', async (queue) => {
        const jobs = await queue.getJobs(['completed']);
        assert.deepEqual(jobs.map((job) => job.name).sort(), ['numbers', 'squares', 'total']);
        assert.deepEqual(new Set(jobs.map((job) => job.returnvalue.worker)), new Set([`${os.hostname()}:${worker.child.pid}`]));
      });
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('when a per-item stage runs on two worker processes', () => {
    it('runs each item as a job and gives the same item outputs and counts as a local run', async () => {
      const two = [await queues.start('items', ['--concurrency', '2']), await queues.start('items', ['--concurrency', '2'])];
      const docs = (executor?: ExecutorOptions): PipelineDefinition => ({
        name: 'docs',
        stages: [
          { id: 'discover', discovery: true, run: () => ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, hash: `h:${id}`, payload: { text: `text ${id}` } })) },
          { id: 'upper', forEach: 'discover', concurrency: 4, run: upper, fn: `${QUEUE_STAGES}#upper`, ...(executor === undefined ? {} : { executor }) },
          { id: 'all', deps: ['upper'], run: (_ctx, inputs) => Object.values((inputs.upper as ItemSet<string>).outputs) },
        ],
      });
      const local = await runPipeline(compilePipeline(docs()), { store: new MemoryStore(), runId: 'run-items-local' });
      const store = new MemoryStore();
      const remote = await runPipeline(compilePipeline(docs({ kind: 'bullmq', connection: queues.redis.url, queue: 'items' })), { store, runId: 'run-items-remote' });

      assert.equal(remote.status, 'SUCCEEDED');
      assert.deepEqual(await store.getOutput(remote.outputHashes.all), ['a:TEXT A', 'b:TEXT B', 'c:TEXT C', 'd:TEXT D', 'e:TEXT E']);
      assert.deepEqual(remote.outputHashes, local.outputHashes);
      assert.deepEqual(remote.stages.upper.items, { total: 5, succeeded: 5, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0 });
      await withQueue(queues.redis, 'items', async (queue) => {
        assert.deepEqual(await queue.getJobCounts('completed'), { completed: 5 });
        // Run again in full on the same store, the items run again as new jobs, not as the answers Redis keeps from the first run.
        const full = await runPipeline(compilePipeline(docs({ kind: 'bullmq', connection: queues.redis.url, queue: 'items' })), { store, runId: 'run-items-full', force: ['upper'], items: { mode: 'full' } });
        assert.deepEqual(full.stages.upper.items, { total: 5, succeeded: 5, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0 });
        assert.deepEqual(await queue.getJobCounts('completed'), { completed: 10 });
      });
    });
  });

  describe('when Redis cannot be reached', () => {
    it('ends the attempt by its timeout, not by waiting forever', async () => {
      const closed = await startRedis();
      await closed.stop();
      const result = await runPipeline(
        compilePipeline({
          name: 'unreachable',
          stages: [
            {
              id: 'numbers',
              run: numbers,
              fn: `${QUEUE_STAGES}#numbers`,
              timeoutMs: 300,
              graceMs: 5000,
              retry: { maxAttempts: 1 },
              executor: { kind: 'bullmq', connection: closed.url, queue: 'unreachable' },
            },
          ],
        }),
        { store: new MemoryStore(), runId: 'run-unreachable' },
      );
      assert.equal(result.status, 'FAILED');
      assert.deepEqual([result.stages.numbers.error?.code, result.stages.numbers.error?.message], ['STAGE_TIMEOUT', 'Stage `numbers` timed out after 300 ms (timeoutMs)']);
    });
  });

  describe('when the run is cancelled while a worker runs the stage', () => {
    it('cancels the job: the stage on the worker sees its signal abort, and the stage ends CANCELLED', async () => {
      const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-markers-'));
      const worker = await queues.start('cancel');
      const handle = startRun(
        compilePipeline({
          name: 'cancel',
          stages: [
            {
              id: 'hang',
              run: hangOnce,
              fn: `${QUEUE_STAGES}#hangOnce`,
              params: { markerDir },
              timeoutMs: 0,
              graceMs: 5000,
              executor: { kind: 'bullmq', connection: queues.redis.url, queue: 'cancel' },
            },
          ],
        }),
        { store: new MemoryStore(), runId: 'run-cancel' },
      );
      while (fs.readdirSync(markerDir).length === 0) await new Promise((r) => setTimeout(r, 20));
      handle.cancel('stopped by the test');
      const result = await handle.result;

      assert.equal(result.status, 'CANCELLED');
      assert.equal(result.stages.hang.status, 'CANCELLED');
      assert.deepEqual(fs.readdirSync(markerDir).sort(), [`aborted-${worker.child.pid}`, `started-${worker.child.pid}`]);
      fs.rmSync(markerDir, { recursive: true, force: true });
    });
  });

  describe('when the coordinator is SIGKILLed while its job runs, and the run is resumed', () => {
    it('attaches to the job it enqueued (its id is the same) instead of running the stage again', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-resume-'));
      const markerDir = path.join(dir, 'markers');
      fs.mkdirSync(markerDir);
      const stateDir = path.join(dir, 'state');
      const worker = await queues.start('resume');
      const coordinator = (mode: 'run' | 'resume') => {
        const child = spawn(process.execPath, ['--import', 'tsx', COORDINATOR, stateDir, queues.redis.url, 'resume', markerDir, mode, 'run-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
        return { child, done: new Promise<string>((resolve) => child.once('exit', () => resolve(text))) };
      };
      const first = coordinator('run');
      while (fs.readdirSync(markerDir).length === 0) await new Promise((r) => setTimeout(r, 20));
      first.child.kill('SIGKILL');
      await first.done;
      // The job finishes with no coordinator listening.
      fs.writeFileSync(path.join(markerDir, 'release'), '');
      const second = coordinator('resume');
      const answer = JSON.parse((await second.done).trim().split('\n').at(-1)!) as { status: string; attempts: number };

      assert.deepEqual({ status: answer.status, attempts: answer.attempts }, { status: 'SUCCEEDED', attempts: 1 });
      assert.equal(fs.readFileSync(path.join(markerDir, 'started'), 'utf8'), `${worker.child.pid}\n`);
      await withQueue(queues.redis, 'resume', async (queue) => {
        assert.deepEqual(await queue.getJobCounts('completed', 'waiting', 'active'), { completed: 1, waiting: 0, active: 0, paused: 0 });
      });
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('when its worker gets SIGTERM in the middle of a job', () => {
    it('finishes the job, answers, and exits 0', async () => {
      const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-markers-'));
      const worker = await queues.start('term');
      const handle = startRun(
        compilePipeline({
          name: 'term',
          stages: [{ id: 'gate', run: gate, fn: `${QUEUE_STAGES}#gate`, params: { markerDir }, timeoutMs: 0, executor: { kind: 'bullmq', connection: queues.redis.url, queue: 'term' } }],
        }),
        { store: new MemoryStore(), runId: 'run-term' },
      );
      while (!fs.existsSync(path.join(markerDir, 'started'))) await new Promise((r) => setTimeout(r, 20));
      worker.child.kill('SIGTERM');
      // Still running its job: it has not exited.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(worker.child.exitCode, null);
      fs.writeFileSync(path.join(markerDir, 'release'), '');
      const result = await handle.result;

      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(await worker.exited, 0);
      assert.match(worker.output(), /worker \S+ stopped/);
      assert.equal(fs.readFileSync(path.join(markerDir, 'started'), 'utf8'), `${worker.child.pid}\n`);
      fs.rmSync(markerDir, { recursive: true, force: true });
    });
  });

  describe('when its worker is SIGKILLed in the middle of a job', () => {
    it('another worker runs the job after the stalled check, and the stage is recorded once', async () => {
      const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-queue-markers-'));
      const stall = ['--lock-duration', '1000', '--stalled-interval', '300'];
      const first = await queues.start('stall', stall);
      const events: PipelineEvent[] = [];
      const handle = startRun(
        compilePipeline({
          name: 'stall',
          stages: [
            {
              id: 'hang',
              run: hangOnce,
              fn: `${QUEUE_STAGES}#hangOnce`,
              params: { markerDir },
              timeoutMs: 0,
              executor: { kind: 'bullmq', connection: queues.redis.url, queue: 'stall' },
            },
          ],
        }),
        { store: new MemoryStore(), runId: 'run-stall' },
      );
      handle.events.subscribe((event) => events.push(event));
      while (fs.readdirSync(markerDir).length === 0) await new Promise((r) => setTimeout(r, 20));
      first.child.kill('SIGKILL');
      await first.stop();
      const second = await queues.start('stall', stall);
      const result = await handle.result;

      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(result.stages.hang.attempts, 1);
      assert.deepEqual(fs.readdirSync(markerDir).sort(), [`started-${first.child.pid}`, `started-${second.child.pid}`].sort());
      assert.deepEqual(events.filter((e) => e.type === 'STEP_SUCCESS').map((e) => e.stageId), ['hang']);
      assert.deepEqual(events.filter((e) => e.type === 'STEP_START').map((e) => e.stageId), ['hang']);
      fs.rmSync(markerDir, { recursive: true, force: true });
    });
  });
});
