import assert from 'node:assert/strict';
import { executorArgument } from '../../src/cli/pipeline-commands';

describe('executorArgument', () => {
  describe('when no executor option is given', () => {
    it('leaves the pipeline its own executor', () => {
      assert.equal(executorArgument({}), undefined);
    });
  });

  describe('when `--executor bullmq` comes with `--redis` and `--queue`', () => {
    it('names the bullmq executor on that Redis and queue', () => {
      assert.deepEqual(executorArgument({ executor: 'bullmq', redis: 'redis://10.0.0.5:6379', queue: 'etl' }), {
        kind: 'bullmq',
        connection: 'redis://10.0.0.5:6379',
        queue: 'etl',
      });
    });
  });

  describe('when `--executor local` is given', () => {
    it('names the local executor', () => {
      assert.deepEqual(executorArgument({ executor: 'local' }), { kind: 'local' });
    });
  });

  describe('when the options do not fit together', () => {
    it('throws INVALID_OPTION saying what is missing or stray', () => {
      assert.throws(() => executorArgument({ executor: 'bullmq' }), {
        code: 'INVALID_OPTION',
        message: '`--executor bullmq` needs `--redis <url>`, e.g. `--redis redis://127.0.0.1:6379`',
      });
      assert.throws(() => executorArgument({ redis: 'redis://127.0.0.1:6379' }), {
        code: 'INVALID_OPTION',
        message: '`--redis` is for `--executor bullmq`, got `--executor (none)`',
      });
      assert.throws(() => executorArgument({ executor: 'local', queue: 'etl' }), {
        code: 'INVALID_OPTION',
        message: '`--queue` is for `--executor bullmq`, got `--executor local`',
      });
    });
  });
});
