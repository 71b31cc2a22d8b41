import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineDefinition } from '../../src/definition/types';
import type { PipelineEvent } from '../../src/events/event';
import { listWorkers } from '../../src/execute/worker-list';
import { compilePipeline } from '../../src/plan/compile';
import { startRun } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { startRedis } from '../redis';
import { numbers, QUEUE_STAGES, squares, total, upper } from './fixtures/queue-stages';
import { runDagbook, useQueueWorkers } from './fixtures/worker-process';

/*
 * Real Redis, real `dagbook worker` processes, the system clock: which worker
 * ran each stage and item, and the workers' heartbeats. Each test waits for
 * an outcome (polling), never for a fixed time.
 */

/** Polls `read` until `done` holds of its value; fails after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('listWorkers', () => {
  const queues = useQueueWorkers();

  describe('when a stage and the items of a per-item stage run on workers', () => {
    it('records the worker on the attempt, the stage record, its end event and the metrics; an item stage counts its items per worker', async () => {
      const a = await queues.start('ran', ['--name', 'w-a', '--concurrency', '2']);
      const b = await queues.start('ran', ['--name', 'w-b', '--concurrency', '2']);
      const executor = { kind: 'bullmq' as const, connection: queues.redis.url, queue: 'ran' };
      const definition: PipelineDefinition = {
        name: 'ran',
        stages: [
          { id: 'numbers', run: numbers },
          { id: 'squares', deps: ['numbers'], run: squares, fn: `${QUEUE_STAGES}#squares`, budgets: { tokens: 10 }, executor },
          { id: 'total', deps: ['squares'], run: total },
          { id: 'discover', discovery: true, run: () => ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, hash: `h:${id}`, payload: { text: id } })) },
          { id: 'upper', forEach: 'discover', concurrency: 4, run: upper, fn: `${QUEUE_STAGES}#upper`, executor },
        ],
      };
      const store = new MemoryStore();
      const events: PipelineEvent[] = [];
      const handle = startRun(compilePipeline(definition), { store, runId: 'run-ran' });
      handle.events.subscribe((event) => events.push(event));
      const result = await handle.result;

      assert.equal(result.status, 'SUCCEEDED');
      const squaresWorker = result.stages.squares.worker;
      assert.ok(squaresWorker === 'w-a' || squaresWorker === 'w-b', String(squaresWorker));
      assert.deepEqual(result.stages.squares.attemptLog.map((x) => x.worker), [squaresWorker]);
      assert.equal(result.metrics.stages.squares.worker, squaresWorker);
      const success = events.find((e) => e.type === 'STEP_SUCCESS' && e.stageId === 'squares');
      assert.equal(success?.type === 'STEP_SUCCESS' ? success.metadata.worker : undefined, squaresWorker);
      // Stages run in this process name no worker: their records are as before.
      for (const id of ['numbers', 'total', 'discover']) {
        assert.equal('worker' in result.stages[id], false, id);
        assert.equal('workers' in result.stages[id], false, id);
        assert.equal(result.stages[id].attemptLog.some((x) => 'worker' in x), false, id);
      }
      const items = await store.readItemRecords('upper');
      const perWorker: Record<string, number> = {};
      for (const record of items.values()) perWorker[record.worker as string] = (perWorker[record.worker as string] ?? 0) + 1;
      assert.deepEqual(result.stages.upper.workers, perWorker);
      assert.equal(Object.values(perWorker).reduce((x, y) => x + y, 0), 6);
      assert.deepEqual(Object.keys(perWorker).filter((name) => name !== 'w-a' && name !== 'w-b'), []);
      assert.deepEqual(result.metrics.stages.upper.workers, perWorker);
      const lastProgress = events.filter((e) => e.type === 'ITEMS_PROGRESS').at(-1);
      assert.deepEqual(lastProgress?.type === 'ITEMS_PROGRESS' ? lastProgress.metadata.workers : undefined, perWorker);
      await a.stop();
      await b.stop();
    });
  });

  describe('when workers beat, one is SIGKILLed and one closes gracefully', () => {
    it('lists both alive, then the killed one stale, and the closed one no more', async () => {
      const kill = await queues.start('beats', ['--name', 'w-kill', '--heartbeat', '100', '--concurrency', '3']);
      const stop = await queues.start('beats', ['--name', 'w-stop', '--heartbeat', '100']);
      const read = () => listWorkers(queues.redis.url, 'beats', { now: Date.now() });
      const both = await read();
      assert.deepEqual(
        both.map((w) => ({ name: w.name, host: w.host, pid: w.pid, concurrency: w.concurrency, intervalMs: w.intervalMs, running: w.running, completed: w.completed, failed: w.failed, alive: w.alive })),
        [
          { name: 'w-kill', host: os.hostname(), pid: kill.child.pid, concurrency: 3, intervalMs: 100, running: 0, completed: 0, failed: 0, alive: true },
          { name: 'w-stop', host: os.hostname(), pid: stop.child.pid, concurrency: 1, intervalMs: 100, running: 0, completed: 0, failed: 0, alive: true },
        ],
      );

      kill.child.kill('SIGKILL');
      await kill.exited;
      const after = await until(read, (list) => list.some((w) => w.name === 'w-kill' && !w.alive));
      assert.deepEqual(after.map((w) => [w.name, w.alive]), [['w-kill', false], ['w-stop', true]]);

      assert.equal(await stop.stop(), 0);
      assert.deepEqual((await read()).map((w) => [w.name, w.alive]), [['w-kill', false]]);
      // Older than the prune age: forgotten.
      assert.deepEqual(await listWorkers(queues.redis.url, 'beats', { now: Date.now() + 60_000, pruneAfterMs: 30_000 }), []);
      assert.deepEqual(await read(), []);
    });
  });

  describe('when Redis cannot be reached', () => {
    it('fails with REDIS_UNREACHABLE within its timeout', async () => {
      const closed = await startRedis();
      await closed.stop();
      const started = Date.now();
      await assert.rejects(listWorkers(closed.url, 'q', { now: 0, timeoutMs: 500 }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'REDIS_UNREACHABLE');
        assert.match(error.message, new RegExp(`^Redis at \`${closed.url}\` could not be reached within 500 ms: `));
        return true;
      });
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    });
  });

  describe('`dagbook workers`', () => {
    it('prints the queue\'s workers as a table, and as JSON with --json', async () => {
      const worker = await queues.start('cli-workers', ['--name', 'w-cli', '--heartbeat', '1000', '--concurrency', '2']);
      const table = await runDagbook(['workers', '--redis', queues.redis.url, '--queue', 'cli-workers']);
      assert.equal(table.code, 0, table.stderr);
      assert.equal(
        table.stdout,
        [
          `workers on queue \`cli-workers\` at ${queues.redis.url}: 1 alive`,
          '',
          `worker  host${' '.repeat(Math.max(0, os.hostname().length - 4))}  running  completed  failed  last heartbeat  state`,
          `------  ${'-'.repeat(Math.max(4, os.hostname().length))}  -------  ---------  ------  --------------  -----`,
          `w-cli   ${os.hostname().padEnd(4)}      0/2          0       0  just now        alive`,
          '',
        ].join('\n'),
      );
      const json = await runDagbook(['workers', '--redis', queues.redis.url, '--queue', 'cli-workers', '--json']);
      const read = JSON.parse(json.stdout) as { connection: string; queue: string; workers: Record<string, unknown>[] };
      assert.deepEqual(
        read.workers.map((w) => [w.name, w.pid, w.concurrency, w.alive]),
        [['w-cli', worker.child.pid, 2, true]],
      );
      assert.equal(await worker.stop(), 0);
      assert.deepEqual(await runDagbook(['workers', '--redis', queues.redis.url, '--queue', 'cli-workers']), {
        code: 0,
        stdout: `no workers on queue \`cli-workers\` at ${queues.redis.url}\n`,
        stderr: '',
      });
    });

    it('says so and exits 1 when Redis cannot be reached', async () => {
      const closed = await startRedis();
      await closed.stop();
      const answer = await runDagbook(['workers', '--redis', closed.url, '--queue', 'q', '--timeout', '300']);
      assert.equal(answer.code, 1);
      assert.match(answer.stdout, new RegExp(`^workers on queue \`q\` at ${closed.url}: Redis at \`${closed.url}\` could not be reached within 300 ms: .+\\n$`));
    });
  });

  describe('`dagbook status` of a pipeline whose stage runs on a queue', () => {
    it('lists that queue\'s workers below the stages, or says its Redis cannot be reached', async () => {
      const worker = await queues.start('status-q', ['--name', 'w-status', '--heartbeat', '1000']);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-status-workers-'));
      const closed = await startRedis();
      await closed.stop();
      const write = (url: string): string => {
        const file = path.join(dir, 'squares.yaml');
        fs.writeFileSync(
          file,
          [
            'name: squares',
            'stages:',
            `  numbers: { fn: "${QUEUE_STAGES}#numbers" }`,
            `  squares: { fn: "${QUEUE_STAGES}#squares", deps: [numbers], executor: { kind: bullmq, connection: "${url}", queue: status-q } }`,
            '',
          ].join('\n'),
        );
        return file;
      };
      try {
        const up = await runDagbook(['status', write(queues.redis.url), '--state-dir', path.join(dir, 'state')]);
        assert.equal(up.code, 0, up.stderr);
        assert.deepEqual(up.stdout.trimEnd().split('\n').slice(-5), [
          `workers on queue \`status-q\` at ${queues.redis.url}: 1 alive`,
          '',
          `worker    host${' '.repeat(Math.max(0, os.hostname().length - 4))}  running  completed  failed  last heartbeat  state`,
          `--------  ${'-'.repeat(Math.max(4, os.hostname().length))}  -------  ---------  ------  --------------  -----`,
          `w-status  ${os.hostname().padEnd(4)}      0/1          0       0  just now        alive`,
        ]);
        const started = Date.now();
        const down = await runDagbook(['status', write(closed.url), '--state-dir', path.join(dir, 'state')]);
        assert.equal(down.code, 0, down.stderr);
        assert.match(down.stdout.trimEnd().split('\n').at(-1) as string, new RegExp(`^workers on queue \`status-q\` at ${closed.url}: Redis at \`${closed.url}\` could not be reached within 1000 ms: `));
        assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
