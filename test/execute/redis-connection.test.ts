import assert from 'node:assert/strict';
import { redisOptions } from '../../src/execute/redis-connection';

describe('redisOptions', () => {
  describe('when the URL names host and port only', () => {
    it('gives them with database 0 and no per-request retry limit', () => {
      assert.deepEqual(redisOptions('redis://127.0.0.1:6380'), { host: '127.0.0.1', port: 6380, db: 0, maxRetriesPerRequest: null });
    });
  });

  describe('when the URL has credentials, a database and TLS', () => {
    it('gives them all, decoded', () => {
      assert.deepEqual(redisOptions('rediss://worker:p%40ss@redis.internal/3'), {
        host: 'redis.internal',
        port: 6379,
        db: 3,
        username: 'worker',
        password: 'p@ss',
        tls: {},
        maxRetriesPerRequest: null,
      });
    });
  });

  describe('when the text is not a Redis URL', () => {
    it('throws INVALID_OPTION naming it', () => {
      assert.throws(() => redisOptions('localhost:6379'), {
        code: 'INVALID_OPTION',
        message: 'Expected a Redis URL such as `redis://127.0.0.1:6379`, got `localhost:6379`',
      });
      assert.throws(() => redisOptions('redis://127.0.0.1/x'), {
        code: 'INVALID_OPTION',
        message: 'Expected the database of Redis URL `redis://127.0.0.1/x` to be an integer >= 0, got `x`',
      });
    });
  });
});
