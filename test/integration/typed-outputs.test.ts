import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDurableStore } from '../../src/store/durable-store';
import { runScript, tempDir } from './fixtures/child';

const SCRIPT = path.join(__dirname, 'fixtures', 'typed-output-pipeline.ts');

/** What `down` saw of `up`'s output, in both runs. */
const RECEIVED = {
  byIdIsMap: true,
  atIsDate: true,
  at: '1970-01-02T00:00:00.000Z',
  total: '12n',
  tagsIsSet: true,
  tags: ['x', 'y'],
  bytesIsInt32Array: true,
  bytes: [-1, 7],
  frameIsDataFrame: true,
  frame: { columns: ['city', 'temp'], dtypes: ['string', 'float32'], index: ['n', 's'], values: [['Oslo', -3.5], ['Lima', 19]] },
};

interface ChildReport {
  readonly statuses: Record<string, string>;
  readonly received: unknown[];
  readonly outputHashes: Record<string, string>;
}

describe('structured outputs across processes (durable store, child processes)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = tempDir('dagbook-typed-');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(runId: string, extra: string[] = []): Promise<ChildReport> {
    const done = await runScript(SCRIPT, ['--state-dir', path.join(dir, 'state'), '--run-id', runId, ...extra]);
    assert.equal(done.code, 0, done.stderr);
    return JSON.parse(done.stdout) as ChildReport;
  }

  describe('when the upstream is restored from cache in a new process', () => {
    it('hands the dependent a real Map, Set, Date, BigInt, Int32Array and DataFrame both times', async () => {
      const first = await run('run-1');
      assert.deepEqual(first.statuses, { up: 'SUCCEEDED', down: 'SUCCEEDED' });
      assert.deepEqual(first.received, [RECEIVED]);

      const second = await run('run-2', ['--force', 'down']);
      assert.deepEqual(second.statuses, { up: 'CACHED', down: 'SUCCEEDED' });
      assert.deepEqual(second.received, [RECEIVED]);
      assert.equal(second.outputHashes.up, first.outputHashes.up);
      assert.equal(second.outputHashes.down, first.outputHashes.down);

      const store = await openDurableStore({ stateDir: path.join(dir, 'state'), pipeline: 'typed' });
      try {
        assert.deepStrictEqual(await store.getOutput(second.outputHashes.down), new Map([['a', 24n]]));
      } finally {
        await store.close();
      }
    });
  });
});
