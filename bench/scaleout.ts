import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import type { Item, PipelineDefinition } from '../src/definition/types';
import { startRedis, type TestRedis } from '../test/redis';
import { BURN_MS, burn, SCALEOUT_STAGES, touch } from './fixtures/scaleout-stages';
import { median, removeDir, round3, tempStateDir } from './harness';
import { compilePipeline, openDurableStore, redisOptions, runPipeline } from './library';

/**
 * Scale-out through the `bullmq` executor, on one Redis server started for
 * the benchmark (Debian's `redis-server`, as the queue tests start it):
 *
 * - **CPU-bound items, 2 workers against 1**: a discovery stage of 200 items,
 *   then a per-item stage (item concurrency 8) whose module function burns
 *   50 ms of CPU per item (a busy loop on the process's CPU clock), run by one
 *   `dagbook worker` process (concurrency 1), then by two. The figure is the
 *   speed-up of the run's wall time. Beside it, the CPU each process spent in
 *   the two-worker run (coordinator, Redis, workers), which is where the
 *   machine's cores went.
 * - **Dispatch overhead per job**: 2,000 no-op items (item concurrency 50)
 *   through the executor and one `dagbook worker` (concurrency 50), against
 *   raw BullMQ on the same Redis in the same run: a Queue adding 2,000 jobs,
 *   each awaited through QueueEvents (`job.waitUntilFinished`), 50 in flight,
 *   and a Worker process of concurrency 50 with a no-op processor.
 *
 * Every run is a fresh run id on a fresh durable state folder (so every item
 * runs), each scenario on its own queue. Workers are child processes
 * (`bin/dagbook.js worker`, the built CLI), started and ready before the clock
 * starts. Medians of `repeats` runs; everything is stopped at the end.
 */

/** Figures of {@link benchScaleOut}. */
export interface ScaleOutFigures {
  /** The 200 CPU-bound items on one worker process, ms, median. */
  readonly cpuOneWorkerMs: number;
  /** The same on two worker processes, ms, median. */
  readonly cpuTwoWorkersMs: number;
  /** `cpuOneWorkerMs / cpuTwoWorkersMs`. */
  readonly cpuSpeedUp: number;
  /** The same 200 items run one after another with no queue: 200 × 50 ms, the floor of the one-worker run, ms. */
  readonly cpuSerialFloorMs: number;
  /** CPU spent during the last two-worker run, ms: the coordinator, Redis, and each worker. */
  readonly cpuTwoWorkersCpuMs: CpuSplit;
  /** 2,000 no-op items through the executor and one worker, ms per item, median. */
  readonly dispatchMsPerJob: number;
  /** 2,000 no-op jobs through raw BullMQ, ms per job, median. */
  readonly rawMsPerJob: number;
  /** `dispatchMsPerJob / rawMsPerJob`. */
  readonly dispatchRatio: number;
}

const CPU_ITEMS = 200;
const CPU_ITEM_CONCURRENCY = 8;
const NOOP_JOBS = 2000;
const NOOP_CONCURRENCY = 50;
/** Items or jobs of the untimed warm-up before the dispatch runs. */
const NOOP_WARM_UP = 500;
/** How long a worker process may take to say it is ready, ms. */
const READY_TIMEOUT_MS = 60_000;

const DAGBOOK_CLI = path.join(__dirname, '..', 'bin', 'dagbook.js');
const RAW_WORKER = path.join(__dirname, 'fixtures', 'raw-bullmq-worker.ts');

/** A child process that printed its ready line. */
interface ReadyProcess {
  readonly pid: number;
  /** CPU time it has used so far, ms (from /proc; NaN where there is none). */
  cpuMs(): number;
  /** SIGTERM, then resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts `args` under this Node and resolves once its stdout shows `readyText`. */
async function startReady(args: string[], readyText: string): Promise<ReadyProcess> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} was not ready within ${READY_TIMEOUT_MS} ms:\n${text}`));
    }, READY_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes(readyText)) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited before it was ready:\n${text}`));
    });
  });
  const pid = child.pid!;
  return {
    pid,
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** User + system CPU of process `pid`, ms, from `/proc/<pid>/stat` (clock ticks of 10 ms); NaN where it cannot be read. */
function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based), here 0-based from state.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU time all processes of the machine have used so far, ms, from `/proc/stat` (every core's non-idle ticks of 10 ms); NaN where it cannot be read. */
function machineBusyMs(): number {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) * 10;
  } catch {
    return Number.NaN;
  }
}

/** `dagbook worker` on `queue` with `concurrency`, ready to take jobs. */
function startDagbookWorker(redis: TestRedis, queue: string, concurrency: number): Promise<ReadyProcess> {
  return startReady([DAGBOOK_CLI, 'worker', '--redis', redis.url, '--queue', queue, '--concurrency', String(concurrency)], `on queue ${queue}`);
}

/** Redis's own CPU so far, ms (`INFO cpu`). */
async function redisCpuMs(client: IORedis): Promise<number> {
  const info = await client.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (seconds('used_cpu_sys') + seconds('used_cpu_user')) * 1000;
}

/**
 * Discovery of `count` items, then `work`: one per-item stage on the `bullmq` executor running `fn`. Each timed run
 * starts from a fresh state folder under its own run id (a queue job's id names its run), so every item runs.
 */
function itemPipeline(redis: TestRedis, queue: string, count: number, concurrency: number, fn: 'burn' | 'touch'): PipelineDefinition {
  const items: Item[] = Array.from({ length: count }, (_, i) => ({ id: `item-${String(i).padStart(5, '0')}`, hash: `h-${i}` }));
  return {
    name: `scaleout-${queue}`,
    stages: [
      { id: 'discover', discovery: true, run: () => items },
      {
        id: 'work',
        forEach: 'discover',
        concurrency,
        run: fn === 'burn' ? burn : touch,
        fn: `${SCALEOUT_STAGES}#${fn}`,
        executor: { kind: 'bullmq', connection: redis.url, queue },
      },
    ],
  };
}

/** One run of `definition` from a fresh state folder; its wall time, ms, once every item succeeded. */
async function timedRun(definition: PipelineDefinition, count: number, runId: string): Promise<number> {
  const compiled = compilePipeline(definition);
  const dir = tempStateDir();
  const store = await openDurableStore({ stateDir: dir, pipeline: definition.name });
  try {
    const started = performance.now();
    const result = await runPipeline(compiled, { store, runId });
    const ms = performance.now() - started;
    if (result.status !== 'SUCCEEDED' || result.stages.work.items?.succeeded !== count) {
      throw new Error(`${definition.name} ${runId}: ${result.status} ${JSON.stringify(result.stages.work.items)}`);
    }
    return ms;
  } finally {
    await store.close();
    removeDir(dir);
  }
}

/** `count` no-op jobs through raw BullMQ on `queue`, `inFlight` at once, each awaited until finished; wall time, ms. */
async function rawRun(redis: TestRedis, queue: string, count: number, inFlight: number, round: number): Promise<number> {
  const connection = redisOptions(redis.url);
  const jobs = new Queue(queue, { connection });
  const events = new QueueEvents(queue, { connection });
  events.setMaxListeners(0);
  jobs.setMaxListeners(0);
  try {
    await Promise.all([jobs.waitUntilReady(), events.waitUntilReady()]);
    let next = 0;
    const started = performance.now();
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        // The executor's job options: one attempt, finished jobs kept a day.
        const job = await jobs.add('noop', { i }, { jobId: `r${round}-${i}`, attempts: 1, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 86_400 } });
        await job.waitUntilFinished(events);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return performance.now() - started;
  } finally {
    await events.close();
    await jobs.close();
  }
}

/** CPU spent during one run, ms: this process (the coordinator), Redis, each worker process, and every other process of the machine. */
interface CpuSplit {
  readonly coordinator: number;
  readonly redis: number;
  readonly workers: readonly number[];
  readonly others: number;
}

/** One timed run of the CPU-bound pipeline on `workers`, with the CPU each process spent during it. */
async function cpuRun(definition: PipelineDefinition, runId: string, workers: readonly ReadyProcess[], info: IORedis): Promise<{ ms: number; cpu: CpuSplit }> {
  const before = { coordinator: process.cpuUsage(), redis: await redisCpuMs(info), workers: workers.map((w) => w.cpuMs()), machine: machineBusyMs() };
  const ms = await timedRun(definition, CPU_ITEMS, runId);
  const used = process.cpuUsage(before.coordinator);
  const coordinator = Math.round((used.user + used.system) / 1000);
  const redis = Math.round((await redisCpuMs(info)) - before.redis);
  const workerMs = workers.map((w, i) => w.cpuMs() - before.workers[i]);
  const machine = machineBusyMs() - before.machine;
  return { ms, cpu: { coordinator, redis, workers: workerMs, others: Math.max(0, Math.round(machine - coordinator - redis - workerMs.reduce((a, b) => a + b, 0))) } };
}

function cpuLine(label: string, run: { ms: number; cpu: CpuSplit }): string {
  const { coordinator, redis, workers, others } = run.cpu;
  const worker = `worker${workers.length > 1 ? 's' : ''} ${workers.join(' + ')}`;
  return `${label} ${Math.round(run.ms)} ms (CPU ms: coordinator ${coordinator}, redis ${redis}, ${worker}, other processes ${others})`;
}

/** The CPU-bound figure: per repeat, a run on one worker, then one on two (the second worker started for it). */
async function cpuScenario(redis: TestRedis, repeats: number, log: (line: string) => void) {
  const queue = 'scaleout-cpu';
  const definition = itemPipeline(redis, queue, CPU_ITEMS, CPU_ITEM_CONCURRENCY, 'burn');
  const warmUp = (runId: string): Promise<number> => timedRun(itemPipeline(redis, queue, 4, 4, 'burn'), 4, runId);
  const first = await startDagbookWorker(redis, queue, 1);
  const info = new IORedis(redisOptions(redis.url));
  const one: number[] = [];
  const two: number[] = [];
  let lastTwo: CpuSplit = { coordinator: 0, redis: 0, workers: [], others: 0 };
  try {
    // The first job of a worker loads the stage module (and tsx): a warm-up run, not timed.
    await warmUp('warm-up');
    for (let r = 0; r < repeats; r++) {
      const alone = await cpuRun(definition, `one-${r}`, [first], info);
      one.push(alone.ms);
      const second = await startDagbookWorker(redis, queue, 1);
      try {
        await warmUp(`warm-up-${r}`);
        const both = await cpuRun(definition, `two-${r}`, [first, second], info);
        two.push(both.ms);
        lastTwo = both.cpu;
        log(`  run ${r + 1}: ${cpuLine('1 worker', alone)}; ${cpuLine('2 workers', both)}`);
      } finally {
        await second.stop();
      }
    }
  } finally {
    await first.stop();
    info.disconnect();
  }
  return { oneMs: round3(median(one)), twoMs: round3(median(two)), cpu: lastTwo };
}

/** The dispatch figure: per repeat, the executor's run then raw BullMQ's, each on its own queue and worker process. */
async function dispatchScenario(redis: TestRedis, repeats: number, log: (line: string) => void) {
  const queue = 'scaleout-noop';
  const rawQueue = 'scaleout-raw';
  const dagbook: number[] = [];
  const raw: number[] = [];
  const worker = await startDagbookWorker(redis, queue, NOOP_CONCURRENCY);
  const rawWorker = await startReady(['--import', 'tsx', RAW_WORKER, redis.url, rawQueue, String(NOOP_CONCURRENCY)], `on queue ${rawQueue}`).catch(async (error: unknown) => {
    await worker.stop();
    throw error;
  });
  try {
    await timedRun(itemPipeline(redis, queue, NOOP_WARM_UP, NOOP_CONCURRENCY, 'touch'), NOOP_WARM_UP, 'warm-up');
    await rawRun(redis, rawQueue, NOOP_WARM_UP, NOOP_CONCURRENCY, -1);
    for (let r = 0; r < repeats; r++) {
      dagbook.push((await timedRun(itemPipeline(redis, queue, NOOP_JOBS, NOOP_CONCURRENCY, 'touch'), NOOP_JOBS, `noop-${r}`)) / NOOP_JOBS);
      raw.push((await rawRun(redis, rawQueue, NOOP_JOBS, NOOP_CONCURRENCY, r)) / NOOP_JOBS);
      log(`  run ${r + 1}: dagbook ${round3(dagbook[r])} ms/job, raw BullMQ ${round3(raw[r])} ms/job`);
    }
  } finally {
    await worker.stop();
    await rawWorker.stop();
  }
  return { dagbookMs: round3(median(dagbook)), rawMs: round3(median(raw)) };
}

/** Runs the scale-out benchmark (see the module comment); `repeats` runs per scenario, medians. */
export async function benchScaleOut(repeats = 3, log: (line: string) => void = () => {}): Promise<ScaleOutFigures> {
  const redis = await startRedis();
  log(`  load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes share the cores)`);
  try {
    log(`  ${CPU_ITEMS} items of ${BURN_MS} ms CPU each (item concurrency ${CPU_ITEM_CONCURRENCY}), 1 worker process of concurrency 1, then 2:`);
    const cpu = await cpuScenario(redis, repeats, log);
    const cpuSpeedUp = round3(cpu.oneMs / cpu.twoMs);
    log(`  1 worker ${cpu.oneMs} ms (serial floor ${CPU_ITEMS * BURN_MS} ms), 2 workers ${cpu.twoMs} ms: ${cpuSpeedUp}x (median of ${repeats})`);
    log(`  ${NOOP_JOBS} no-op items (item concurrency ${NOOP_CONCURRENCY}) through the executor and 1 worker of concurrency ${NOOP_CONCURRENCY}, against raw BullMQ:`);
    const dispatch = await dispatchScenario(redis, repeats, log);
    const dispatchRatio = round3(dispatch.dagbookMs / dispatch.rawMs);
    log(`  dagbook ${dispatch.dagbookMs} ms/job, raw BullMQ ${dispatch.rawMs} ms/job: ${dispatchRatio}x (median of ${repeats})`);
    log(`  load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return {
      cpuOneWorkerMs: cpu.oneMs,
      cpuTwoWorkersMs: cpu.twoMs,
      cpuSpeedUp,
      cpuSerialFloorMs: CPU_ITEMS * BURN_MS,
      cpuTwoWorkersCpuMs: cpu.cpu,
      dispatchMsPerJob: dispatch.dagbookMs,
      rawMsPerJob: dispatch.rawMs,
      dispatchRatio,
    };
  } finally {
    await redis.stop();
  }
}

if (require.main === module) {
  benchScaleOut(Math.min(Number(process.env.BENCH_REPEATS ?? 3), 3), console.log).then(
    (figures) => console.log(JSON.stringify(figures)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
