import assert from 'node:assert/strict';
import { decideStage, stageKey, type DecisionFacts } from '../../src/plan/decide';
import type { CacheEntry } from '../../src/records';
import { planStage } from '../execute/fixtures';

/** These stages have no secret params: a digest asked for would be a bug. */
const noSecretDigest = (): string => {
  throw new Error('no secret params here');
};

const stage = planStage('typing', { params: { sample: 100 } });
const key = stageKey(stage, {}, {}, noSecretDigest);
const other = stageKey(planStage('typing', { params: { sample: 500 } }), {}, {}, noSecretDigest);

function entry(k: typeof key, runId: string): CacheEntry {
  return { stageId: 'typing', cacheKey: k.cacheKey, outputHash: `out-${runId}`, durationMs: 5, runId, recordedAt: 1, parts: k.parts };
}

const decide = (facts: Partial<DecisionFacts>) => {
  const d = decideStage(stage, { key, output: 'ok', force: false, ...facts });
  return [d.action, d.reason, d.entry?.runId];
};

describe('stageKey', () => {
  it('takes the key of a key made before (the latest entry`s) when the parts are the same, and hashes them otherwise', () => {
    assert.equal(stageKey(stage, {}, {}, noSecretDigest).cacheKey, key.cacheKey);
    // The same parts: the known key is taken as it is (the parts are not hashed again).
    assert.equal(stageKey(stage, {}, {}, noSecretDigest, { cacheKey: 'known-key', parts: { ...key.parts } }).cacheKey, 'known-key');
    // Other parts, or none recorded: the key is the hash of the parts.
    assert.equal(stageKey(stage, {}, {}, noSecretDigest, { cacheKey: 'known-key', parts: other.parts }).cacheKey, key.cacheKey);
    assert.equal(stageKey(stage, {}, {}, noSecretDigest, { cacheKey: 'known-key', parts: { ...key.parts, 'param:extra': 'x' } }).cacheKey, key.cacheKey);
    assert.equal(stageKey(stage, {}, {}, noSecretDigest, { cacheKey: 'known-key' }).cacheKey, key.cacheKey);
  });
});

describe('decideStage', () => {
  describe('when the key has an entry', () => {
    it('skips as "up to date" when that entry is the latest', () => {
      assert.deepEqual(decide({ hit: entry(key, 'run-1'), latest: entry(key, 'run-1') }), ['skip', 'up to date', 'run-1']);
    });

    it('skips naming the run when it is an earlier entry', () => {
      assert.deepEqual(decide({ hit: entry(key, 'run-1'), latest: entry(other, 'run-2') }), ['skip', 'restored from an earlier run (run-1)', 'run-1']);
    });

    it('runs when the stored output is missing or corrupt, saying which', () => {
      const hit = entry(key, 'run-1');
      assert.deepEqual(decide({ hit, latest: hit, output: 'missing' }), ['run', 'stored output missing', undefined]);
      assert.deepEqual(decide({ hit, latest: hit, output: 'corrupt' }), ['run', 'stored output corrupt', undefined]);
    });

    it('runs when forced', () => {
      assert.deepEqual(decide({ hit: entry(key, 'run-1'), latest: entry(key, 'run-1'), force: true }), ['run', 'forced', undefined]);
    });
  });

  describe('when the key has no entry', () => {
    it('explains the change against the latest entry', () => {
      assert.deepEqual(decide({ latest: entry(other, 'run-2') }), ['run', 'param `sample` changed', undefined]);
    });

    it('says "never ran" without any entry, and names a failed last attempt', () => {
      assert.deepEqual(decide({}), ['run', 'never ran', undefined]);
      assert.deepEqual(decide({ lastStatus: 'FAILED' }), ['run', 'last attempt failed', undefined]);
      assert.deepEqual(decide({ latest: entry(other, 'run-2'), lastStatus: 'CANCELLED' }), ['run', 'last attempt was cancelled; param `sample` changed', undefined]);
    });
  });
});
