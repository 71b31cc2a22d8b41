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

  describe('when started with persistence and restarted', () => {
    it('answers on the same port with what it held before', async () => {
      const redis = await startRedis({ persistence: true });
      try {
        const before = new IORedis(redis.url);
        await before.set('dagbook:kept', 'value 2');
        before.disconnect();
        await redis.shutdown();
        await redis.restart();
        const after = new IORedis(redis.url);
        try {
          assert.equal(await after.get('dagbook:kept'), 'value 2');
          assert.deepEqual(await after.config('GET', 'appendonly'), ['appendonly', 'yes']);
        } finally {
          after.disconnect();
        }
      } finally {
        await redis.stop();
      }
    });
  });
});
