import { strict as assert } from 'node:assert';
import { compilePipeline } from '../../src/plan/compile';
import { RunInputs } from '../../src/run/run-inputs';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

/** A store that counts the outputs read from it. */
class CountingStore extends MemoryStore {
  reads = 0;
  async getOutput(hash: string): Promise<unknown> {
    this.reads++;
    return super.getOutput(hash);
  }
}

const compiled = compilePipeline({
  name: 'inputs',
  stages: [
    { id: 'a', run: () => 1 },
    { id: 'b', run: () => 2 },
    { id: 'c', deps: ['a', 'b'], run: () => 3 },
  ],
});
const { plan } = compiled;

describe('RunInputs', () => {
  describe('when a stage needs one output stored earlier and one just produced', () => {
    it('gives both by stage id, reading the stored one from the store once', async () => {
      const store = new CountingStore();
      const stored = await store.putOutput({ rows: [1, 2] });
      const inputs = new RunInputs(store, {});
      inputs.useOutputHash('a', stored);
      inputs.useOutput('b', 'hash-of-b', 'fresh');
      assert.deepEqual(await inputs.inputsOf(plan.stages.c), { a: { rows: [1, 2] }, b: 'fresh' });
      assert.deepEqual(await inputs.inputsOf(plan.stages.c), { a: { rows: [1, 2] }, b: 'fresh' });
      assert.equal(store.reads, 1);
      assert.deepEqual(inputs.outputHashes, { a: stored, b: 'hash-of-b' });
    });
  });

  describe('when every stage that reads an output has taken it', () => {
    it('lets the value go: a later reader gets it from the store again', async () => {
      const store = new CountingStore();
      const a = await store.putOutput({ rows: [1, 2] });
      const b = await store.putOutput('fresh');
      const inputs = new RunInputs(store, {}, plan);
      inputs.useOutput('a', a, { rows: [1, 2] });
      inputs.useOutput('b', b, 'fresh');
      // `c` is the only stage that reads `a` and `b`: it takes the values held in memory.
      assert.deepEqual(await inputs.inputsOf(plan.stages.c), { a: { rows: [1, 2] }, b: 'fresh' });
      assert.equal(store.reads, 0);
      // After it, they come from the store.
      assert.deepEqual(await inputs.inputsOf(plan.stages.c), { a: { rows: [1, 2] }, b: 'fresh' });
      assert.equal(store.reads, 2);
    });
  });

  describe('when a stage is up to date', () => {
    it('restores it from cache, or runs it when caching is off', async () => {
      const store = new MemoryStore();
      await runPipeline(compiled, { store, selection: { only: ['a'] } });
      const decide = async (options: { cache?: boolean }) => {
        const inputs = new RunInputs(store, options);
        await inputs.loadEntries(['a']);
        const decision = await inputs.decide(plan.stages.a, 'SUCCEEDED');
        return [decision.action, decision.reason];
      };
      assert.deepEqual(await decide({}), ['skip', 'up to date']);
      assert.deepEqual(await decide({ cache: false }), ['run', 'caching is off']);
    });
  });
});
