import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../src/clock';
import { encodeOutput, decodeOutput } from '../../src/output-codec';
import { sha256 } from '../../src/canonical-json';
import { runStageJob, stageJobId, type StageJobData, type StageJobReport } from '../../src/execute/stage-job';
import { rebuildThreadError } from '../../src/execute/thread-error';
import { QUEUE_STAGES } from './fixtures/queue-stages';
import { THREAD_STAGES } from './fixtures/thread-stages';

/* runStageJob in this process, as a queue worker runs it; real timers for the timeout cases. */

function job(modulePath: string, exportName: string, overrides: Partial<StageJobData> = {}): StageJobData {
  return {
    modulePath,
    exportName,
    runId: 'run-1',
    stageId: exportName,
    attempt: 2,
    idempotencyKey: 'key-1',
    params: { n: 2 },
    inputs: encodeOutput({ numbers: { numbers: [1, 2, 3] } }),
    secrets: { api_key: 'sk-1' },
    remaining: { tokens: 10 },
    timeoutMs: 0,
    graceMs: 0,
    ...overrides,
  };
}

function run(data: StageJobData, signal = new AbortController().signal) {
  const reports: StageJobReport[] = [];
  return runStageJob(data, { worker: 'host:1', clock: systemClock, signal, report: (r) => reports.push(r) }).then((result) => ({ result, reports }));
}

const markerDirs: string[] = [];

/** An empty temp folder for hangOnce's markers, removed after the tests. */
function markerDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-job-'));
  markerDirs.push(dir);
  return dir;
}

describe('stageJobId', () => {
  it('is the hash of the run and the idempotency key, and the attempt', () => {
    assert.equal(stageJobId('run-1', 'ab12', 3), `${sha256('run-1\nab12')}-3`);
  });

  it('differs between runs of the same stage execution', () => {
    assert.notEqual(stageJobId('run-1', 'ab12', 1), stageJobId('run-2', 'ab12', 1));
  });
});

describe('runStageJob', () => {
  after(() => {
    for (const dir of markerDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when the stage returns', () => {
    it('answers its output in the stored form, with the reports it made on the way', async () => {
      const { result, reports } = await run(job(QUEUE_STAGES, 'squares', { inputs: encodeOutput({ numbers: { numbers: [1, 2, 3] } }) }));
      assert.equal(result.type, 'result');
      assert.equal(result.worker, 'host:1');
      assert.deepEqual(decodeOutput((result as { output: string }).output), { squares: [1, 4, 9] });
      assert.deepEqual(reports, [
        { type: 'progress', done: 1, total: 3, message: 'squared 1' },
        { type: 'progress', done: 2, total: 3, message: 'squared 2' },
        { type: 'progress', done: 3, total: 3, message: 'squared 3' },
        { type: 'usage', resource: 'tokens', amount: 3 },
      ]);
    });

    it('gives the stage the context fields and secrets of the job', async () => {
      const { result } = await run(job(THREAD_STAGES, 'echo', { inputs: encodeOutput({ upstream: [1] }) }));
      assert.deepEqual(decodeOutput((result as { output: string }).output), {
        runId: 'run-1',
        stageId: 'echo',
        attempt: 2,
        idempotencyKey: 'key-1',
        params: { n: 2 },
        inputs: { upstream: [1] },
        secret: 'sk-1',
        isMainThread: true,
      });
    });
  });

  describe('when the module has no such export', () => {
    it('answers STAGE_FAILED (logic) naming the module and export', async () => {
      const { result } = await run(job(QUEUE_STAGES, 'missing'));
      assert.equal(result.type, 'error');
      const error = rebuildThreadError((result as { error: Parameters<typeof rebuildThreadError>[0] }).error);
      assert.deepEqual([(error as { code?: string }).code, (error as { errorClass?: string }).errorClass, (error as Error).message], [
        'STAGE_FAILED',
        'logic',
        `Stage \`missing\`: module \`${QUEUE_STAGES}\` has no function export \`missing\`, got a undefined`,
      ]);
    });
  });

  describe('when the stage outlives its timeout', () => {
    it('aborts it and answers STAGE_TIMEOUT', async () => {
      // An empty marker folder: hangOnce waits for its signal.
      const dir = markerDir();
      const { result } = await run(job(QUEUE_STAGES, 'hangOnce', { params: { markerDir: dir }, timeoutMs: 50, graceMs: 0 }));
      const error = rebuildThreadError((result as { error: Parameters<typeof rebuildThreadError>[0] }).error) as Error & { code?: string };
      assert.deepEqual([error.code, error.message], ['STAGE_TIMEOUT', 'Stage `hangOnce` timed out after 50 ms (timeoutMs); it ignored its abort signal and was abandoned after a further 0 ms grace']);
    });
  });

  describe('when the job is cancelled', () => {
    it('aborts the stage and answers STAGE_CANCELLED with the reason', async () => {
      const dir = markerDir();
      const controller = new AbortController();
      const answer = run(job(QUEUE_STAGES, 'hangOnce', { params: { markerDir: dir }, graceMs: 1000 }), controller.signal);
      setTimeout(() => controller.abort(new Error('cancelled by its coordinator')), 20);
      const { result } = await answer;
      const error = rebuildThreadError((result as { error: Parameters<typeof rebuildThreadError>[0] }).error) as Error & { code?: string };
      assert.deepEqual([error.code, error.message], ['STAGE_CANCELLED', 'Stage `hangOnce` was cancelled: cancelled by its coordinator']);
    });
  });
});
