import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../src/clock';
import type { StageDefinition } from '../../src/definition/types';
import type { Emit, EventType } from '../../src/events/event';
import { BudgetLedger } from '../../src/execute/budget';
import { BreakerRegistry } from '../../src/execute/circuit-breaker';
import { createRedactor } from '../../src/execute/redact';
import { executeStage, type StageOutcome } from '../../src/execute/stage-executor';
import { workerExecArgv } from '../../src/execute/thread-runner';
import { compilePipeline } from '../../src/plan/compile';
import type { PlanStage } from '../../src/plan/plan';
import { seededRandom } from '../../src/random';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';
import { danfo, type DataFrame } from '../danfo';
import { planStage } from './fixtures';
import { burn, THREAD_STAGES, type BurnReport } from './fixtures/thread-stages';

/*
 * These tests start real worker threads, so they run on the system clock and
 * wait for real time; each waits for an outcome, not for a timing window,
 * except those about time itself (termination, and parallelism, which is
 * shown by where and when the busy work ran and by CPU time beyond wall time).
 */

const SECRET = 'sk-live-0123456789';

interface Recorded {
  readonly type: EventType;
  readonly message: string;
  readonly metadata: Record<string, unknown>;
}

/** A thread stage calling `exportName` of the fixture module: one attempt, no backoff, unless overridden. */
function threadStage(exportName: string, overrides: Partial<PlanStage> = {}): PlanStage {
  return planStage(exportName, {
    isolation: 'thread',
    fnPath: `${THREAD_STAGES}#${exportName}`,
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, jitter: 0, minDelayMs: 0, retryOn: ['transient'] },
    ...overrides,
  });
}

async function execute(
  stage: PlanStage,
  budget = new BudgetLedger(),
  inputs: Record<string, unknown> = { upstream: [1, 2, 3] },
  stateDir?: string,
): Promise<{ outcome: StageOutcome; events: Recorded[] }> {
  const events: Recorded[] = [];
  const emit: Emit = (type, draft) => {
    events.push({ type, message: draft.message, metadata: (draft.metadata ?? {}) as Record<string, unknown> });
  };
  const outcome = await executeStage({
    runId: 'run-1',
    stage,
    // The main-thread function must not be called for a thread stage.
    entry: { run: () => assert.fail('ran on the main thread'), validate: [] },
    inputs,
    clock: systemClock,
    random: seededRandom(42),
    breakers: new BreakerRegistry({ clock: systemClock }),
    budget,
    emit,
    signal: new AbortController().signal,
    secrets: { api_key: SECRET },
    redact: createRedactor([SECRET]),
    correlationId: 'corr-1',
    ...(stateDir === undefined ? {} : { stateDir }),
  });
  return { outcome, events };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('runInThread', function () {
  this.timeout(20000);

  describe('when a thread stage returns', () => {
    it('runs off the main thread and its output comes back', async () => {
      const { outcome } = await execute(threadStage('echo', { params: { factor: 2 } }));
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.deepEqual(outcome.output, {
        runId: 'run-1',
        stageId: 'echo',
        attempt: 1,
        idempotencyKey: outcome.idempotencyKey,
        params: { factor: 2 },
        inputs: { upstream: [1, 2, 3] },
        secret: '***',
        isMainThread: false,
      });
    });
  });

  describe('when the run keeps its state on disk', () => {
    it("the worker's context has the pipeline's state folder as `stateDir`", async () => {
      const { outcome } = await execute(threadStage('echo'), new BudgetLedger(), {}, '/state/shop');
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.equal((outcome.output as { stateDir?: string }).stateDir, '/state/shop');
    });
  });

  describe('when a thread stage gets and returns structured data and danfojs DataFrames', () => {
    it('gets its inputs and returns its output with their types: Map, Set, Date, BigInt, typed arrays, DataFrame', async function () {
      this.timeout(60_000); // danfojs loads in the worker and here
      const dfd = danfo();
      const upstream = { frame: new dfd.DataFrame({ k: ['p', 'q'], v: [0.5, 1.5] }), tags: new Set(['t']) };
      const { outcome } = await execute(threadStage('structured'), new BudgetLedger(), { upstream });
      assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome.error));
      const output = outcome.output as Record<string, unknown>;
      assert.deepEqual(output.received, { frameIsDataFrame: true, frameColumns: ['k', 'v'], frameDtypes: ['string', 'float32'], tagsIsSet: true });
      assert.deepEqual(output.byId, new Map([['a', { at: new Date(86_400_000) }]]));
      assert.deepEqual(output.tags, new Set(['x', 'y']));
      assert.equal(output.big, 18446744073709551616n);
      assert.deepEqual(output.bytes, new Float64Array([1.5, -0]));
      const frame = output.frame as DataFrame;
      assert.ok(frame instanceof dfd.DataFrame);
      assert.deepEqual([frame.columns, frame.dtypes, frame.index, frame.values], [['n', 's'], ['int32', 'string'], ['r1', 'r2'], [[1, 'a'], [2, 'b']]]);
    });
  });

  describe('when a thread stage returns a value that cannot be stored', () => {
    it('fails at once with OUTPUT_NOT_SERIALIZABLE naming the stage and the path, not retried', async () => {
      const { outcome } = await execute(threadStage('withCallback', { retry: { ...threadStage('x').retry, maxAttempts: 3 } }));
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.equal(outcome.error?.code, 'OUTPUT_NOT_SERIALIZABLE');
      assert.equal(outcome.error?.errorClass, 'logic');
      assert.deepEqual(outcome.error?.data, { path: 'output.rows[3].callback', found: 'a function' });
      assert.match(outcome.error?.message ?? '', /^The output of stage `withCallback` cannot be stored: `output\.rows\[3\]\.callback` is a function\./);
    });
  });

  describe('when a thread stage reports progress, usage and logs', () => {
    it('emits them through the attempt context and records the usage in the ledger', async () => {
      const budget = new BudgetLedger({ stageBudgets: { report: { tokens: 100 } } });
      const { outcome, events } = await execute(threadStage('report', { budgets: { tokens: 100 } }), budget);
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.deepEqual(outcome.output, { before: 100, after: 70, other: Infinity });
      assert.deepEqual(
        events.filter((e) => ['STEP_PROGRESS', 'RESOURCE_USAGE', 'LOG'].includes(e.type)).map((e) => [e.type, e.message, e.metadata]),
        [
          ['STEP_PROGRESS', 'half way', { done: 1, total: 2 }],
          ['RESOURCE_USAGE', 'Used 30 tokens', { resource: 'tokens', amount: 30, stageUsed: 30, stageLimit: 100, globalUsed: 30 }],
          ['LOG', 'used tokens', { amount: 30 }],
          ['STEP_PROGRESS', '2/2', { done: 2, total: 2 }],
        ],
      );
      assert.deepEqual(budget.stageUsage('report'), { tokens: 30 });
    });
  });

  describe('when a thread stage goes over its budget and keeps spinning', () => {
    it('terminates the worker and fails the attempt with BUDGET_EXHAUSTED', async () => {
      const budget = new BudgetLedger({ stageBudgets: { overspend: { tokens: 100 } } });
      const { outcome } = await execute(threadStage('overspend', { budgets: { tokens: 100 }, retry: { ...threadStage('x').retry, maxAttempts: 3, retryOn: ['transient', 'resource'] } }), budget);
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.equal(outcome.error?.code, 'BUDGET_EXHAUSTED');
      assert.equal(outcome.error?.errorClass, 'resource');
    });
  });

  describe('when a thread stage throws a NonRetryableError', () => {
    it('is not retried, and keeps its class, message and stack', async () => {
      const { outcome } = await execute(threadStage('refuse', { retry: { ...threadStage('x').retry, maxAttempts: 3 } }));
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.attempts, 1);
      assert.equal(outcome.error?.code, 'NON_RETRYABLE');
      assert.equal(outcome.error?.errorClass, 'persistent');
      assert.equal(outcome.error?.message, 'the input has no rows');
      assert.match(outcome.error?.stack ?? '', /^NonRetryableError: the input has no rows\n\s+at refuse \(.*thread-stages\.ts/);
    });
  });

  describe('when a thread stage fails with a transient error', () => {
    it('is retried, in a new worker, and succeeds', async () => {
      const { outcome } = await execute(threadStage('flaky', { retry: { ...threadStage('x').retry, maxAttempts: 3 } }));
      assert.equal(outcome.status, 'SUCCEEDED');
      assert.equal(outcome.output, 'ok on attempt 2');
      assert.deepEqual(outcome.attemptLog.map((a) => [a.attempt, a.outcome, a.code]), [
        [1, 'failed', 'STAGE_FAILED'],
        [2, 'succeeded', undefined],
      ]);
    });
  });

  describe('when a thread stage honours its signal', () => {
    it('gets the abort on timeout and ends before the grace runs out', async () => {
      const { outcome } = await execute(threadStage('honour', { timeoutMs: 100, graceMs: 10000 }));
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.error?.code, 'STAGE_TIMEOUT');
      assert.deepEqual(outcome.error?.data, { timeoutMs: 100, graceMs: 10000, abandoned: false });
      assert.ok(outcome.durationMs < 5000, `took ${outcome.durationMs} ms`);
    });
  });

  describe('when a thread stage ignores its signal and busy-loops', () => {
    it('terminates its worker after timeout and grace: its heartbeat stops', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-thread-'));
      const heartbeatFile = path.join(dir, 'beat');
      try {
        const { outcome } = await execute(threadStage('spin', { timeoutMs: 300, graceMs: 100, params: { heartbeatFile } }));
        assert.equal(outcome.status, 'FAILED');
        assert.equal(outcome.error?.code, 'STAGE_TIMEOUT');
        assert.deepEqual(outcome.error?.data, { timeoutMs: 300, graceMs: 100, abandoned: true });
        // terminate() stops the thread asynchronously: let it land, then the beat must not move.
        await sleep(100);
        const stopped = Number(fs.readFileSync(heartbeatFile, 'utf8'));
        await sleep(300);
        assert.ok(stopped > 0, 'the stage never beat');
        assert.equal(Number(fs.readFileSync(heartbeatFile, 'utf8')), stopped);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when two independent CPU-bound stages run with maxParallel 2', function () {
    /** Runs two `burn` stages of `ms` each; returns their reports and the process's CPU and wall time over the run, ms. */
    async function burnBoth(isolation: 'none' | 'thread', ms = 300): Promise<{ reports: BurnReport[]; cpuMs: number; wallMs: number }> {
      const stage = (id: string): StageDefinition =>
        isolation === 'thread'
          ? { id, run: () => assert.fail('ran on the main thread'), fn: `${THREAD_STAGES}#burn`, isolation, params: { ms } }
          : { id, run: burn, params: { ms } };
      const store = new MemoryStore();
      const compiled = compilePipeline({ name: 'burn', maxParallel: 2, stages: [stage('a'), stage('b')] });
      const cpu = process.cpuUsage();
      const wall = performance.now();
      const result = await runPipeline(compiled, { store });
      const wallMs = performance.now() - wall;
      const used = process.cpuUsage(cpu);
      assert.equal(result.status, 'SUCCEEDED');
      const reports = [(await store.getOutput(result.outputHashes.a)) as BurnReport, (await store.getOutput(result.outputHashes.b)) as BurnReport];
      return { reports, cpuMs: (used.user + used.system) / 1000, wallMs };
    }

    const overlap = ([a, b]: BurnReport[]) => a.startedAt < b.endedAt && b.startedAt < a.endedAt;

    it('in threads they run on two worker threads at the same time', async () => {
      const { reports } = await burnBoth('thread');
      const [a, b] = reports;
      assert.ok(a.threadId > 0 && b.threadId > 0 && a.threadId !== b.threadId, `threads ${a.threadId} and ${b.threadId}`);
      assert.ok(overlap(reports), JSON.stringify(reports));
    });

    it('in threads they use two cores: the process CPU time exceeds its wall time by a clear margin', async function () {
      // One core cannot give more CPU time than wall time: there is nothing to prove there.
      if (os.availableParallelism() < 2) this.skip();
      // 2 x 800 ms of busy work; worker start-up and the run itself add a little on one core. Other
      // processes can take a core for a while on a shared machine, so up to three tries: one run on a
      // single core can never pass, however often it is tried.
      const tries: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { cpuMs, wallMs } = await burnBoth('thread', 800);
        tries.push(`CPU ${Math.round(cpuMs)} ms over a wall time of ${Math.round(wallMs)} ms`);
        if (cpuMs > 1.4 * wallMs) return;
      }
      assert.fail(`CPU time never exceeded 1.4 x wall time: ${tries.join('; ')}`);
    });

    it('on the main thread their busy work cannot overlap, and CPU time stays within wall time (the contrast)', async () => {
      const { reports, cpuMs, wallMs } = await burnBoth('none');
      assert.deepEqual(reports.map((r) => r.threadId), [0, 0]);
      assert.equal(overlap(reports), false, JSON.stringify(reports));
      assert.ok(cpuMs < 1.2 * wallMs, `CPU ${Math.round(cpuMs)} ms over a wall time of ${Math.round(wallMs)} ms`);
    });
  });
});

describe('workerExecArgv', () => {
  describe('when the parent loads tsx with --import or --require', () => {
    it('drops those flags and keeps the others', () => {
      assert.deepEqual(workerExecArgv(['--import', 'tsx', '--enable-source-maps']), ['--enable-source-maps']);
      assert.deepEqual(workerExecArgv(['--import=tsx']), []);
      assert.deepEqual(workerExecArgv(['--require', '/p/node_modules/tsx/dist/cjs/index.cjs', '--import', './setup.js']), ['--import', './setup.js']);
      assert.deepEqual(workerExecArgv(['--import', 'file:///p/node_modules/tsx/dist/loader.mjs']), []);
    });
  });

  describe('when nothing loads tsx', () => {
    it('returns undefined, so the worker inherits the flags', () => {
      assert.equal(workerExecArgv(['--enable-source-maps', '--import', './tsx-like.js']), undefined);
      assert.equal(workerExecArgv([]), undefined);
    });
  });
});
