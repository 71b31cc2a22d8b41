import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describeNumbers, frameOf, rowsOf } from '../../../pipelines/profiling/data-frame';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Runs `script` in a fresh Node process with tsx; returns its stdout. */
function inFreshProcess(script: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' }).trim();
}

const DANFO_MODULES = "Object.keys(require.cache).filter((k) => k.includes('/node_modules/danfojs/')).length";

describe('data-frame', function () {
  this.timeout(60_000);

  describe('when the library or the pipeline definition is imported', () => {
    it('does not load danfojs', () => {
      assert.equal(inFreshProcess(`require('./src/index.ts'); require('./pipelines/profiling/pipeline.ts'); console.log(${DANFO_MODULES})`), '0');
    });
  });
  describe('when a phase first needs a frame', () => {
    it('loads danfojs then', () => {
      const loaded = Number(inFreshProcess(`const f = require('./pipelines/profiling/data-frame.ts'); f.frameOf({ a: [1] }); console.log(${DANFO_MODULES})`));
      assert.ok(loaded > 0, `danfojs modules in the cache: ${loaded}`);
    });
  });
  describe('when grouping and summarising', () => {
    it('aggregates each group, groups in order of first appearance', () => {
      const g = frameOf({ k: ['b', 'a', 'b'], v: [1, 10, 4] }).groupby(['k']).agg({ v: ['mean', 'min', 'max', 'sum', 'count'] });
      assert.deepEqual(rowsOf(g), [
        { k: 'b', v_mean: 2.5, v_min: 1, v_max: 4, v_sum: 5, v_count: 2 },
        { k: 'a', v_mean: 10, v_min: 10, v_max: 10, v_sum: 10, v_count: 1 },
      ]);
    });
    it('describes numbers with a sample standard deviation', () => {
      assert.deepEqual(describeNumbers([1, 2, 3, 4.5]), { count: 4, mean: 2.625, std: 1.4930394055974097, min: 1, median: 2.5, max: 4.5, variance: 2.2291666666666665 });
    });
  });
});
