import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import IORedis from 'ioredis';
import { startRedis, type TestRedis } from './redis';

describe('startRedis', () => {
  describe('when started', () => {
    let redis: TestRedis;
    before(async () => {
      redis = await startRedis();
    });
    after(async () => {
      await redis.stop();
    });

    it('answers on its loopback port with persistence off', async () => {
      const client = new IORedis(redis.url);
      try {
        await client.set('dagbook:test', 'value 1');
        assert.equal(await client.get('dagbook:test'), 'value 1');
        assert.deepEqual(await client.config('GET', 'save'), ['save', '']);
        assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'no']);
        assert.deepEqual(await client.config('GET', 'bind'), ['bind', '127.0.0.1']);
      } finally {
        client.disconnect();
      }
    });
  });

  describe('when stopped', () => {
    it('no longer accepts connections', async () => {
      const redis = await startRedis();
      await redis.stop();
      assert.equal(redis.process.exitCode !== null || redis.process.signalCode !== null, true);
      const refused = await new Promise<string>((resolve) => {
        const socket = net.connect(redis.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'unknown'));
      });
      assert.equal(refused, 'ECONNREFUSED');
    });
  });
});
