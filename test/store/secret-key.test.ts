import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import { startRun } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { MemoryStore } from '../../src/store/memory-store';
import { loadOrCreateSecretKey } from '../../src/store/secret-key';
import { filesUnder } from './fixtures';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('secret key', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-secret-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when a state folder is opened for the first time and again', () => {
    it('makes a 32-byte key readable by the owner only, once, and keys digests with it', async () => {
      const first = await openDurableStore({ stateDir: tmp, pipeline: 'p' });
      const file = path.join(tmp, 'p', 'secret.key');
      const key = fs.readFileSync(file);
      assert.equal(key.length, 32);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(first.secretDigest('1234'), createHmac('sha256', key).update('1234').digest('hex'));
      await first.close();
      const second = await openDurableStore({ stateDir: tmp, pipeline: 'p' });
      assert.deepEqual(fs.readFileSync(file), key);
      assert.equal(second.secretDigest('1234'), createHmac('sha256', key).update('1234').digest('hex'));
      await second.close();
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'p')).filter((f) => f.includes('secret')), ['secret.key']);
    });
  });

  describe('when the key file has the wrong length', () => {
    it('refuses it with STATE_CORRUPT naming the file and the length', () => {
      const file = path.join(tmp, 'secret.key');
      fs.writeFileSync(file, 'short');
      assert.throws(
        () => loadOrCreateSecretKey(file),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && e.message.startsWith(`The secret key \`${file}\` should be 32 bytes, got 5:`),
      );
    });
  });

  describe('when two memory stores digest the same secret', () => {
    it('gives different digests, neither the plain sha256', () => {
      const a = new MemoryStore().secretDigest('1234');
      const b = new MemoryStore().secretDigest('1234');
      assert.notEqual(a, b);
      assert.notEqual(a, sha256('1234'));
      assert.equal(new MemoryStore({ secretKey: Buffer.alloc(32, 7) }).secretDigest('1234'), createHmac('sha256', Buffer.alloc(32, 7)).update('1234').digest('hex'));
    });
  });

  describe('when a pipeline with a short secret param runs on a durable store', () => {
    const secret = 'q7Zx';
    const compiled = (token: string) =>
      compilePipeline({
        name: 'secretive',
        stages: [{ id: 'call', params: { token, region: 'eu' }, secretParams: ['token'], run: (ctx) => `called ${ctx.params.region}` }],
      });

    it('stores neither the secret nor its plain hashes, and a changed secret still runs the stage again', async () => {
      const store = await openDurableStore({ stateDir: tmp, pipeline: 'secretive' });
      const first = await startRun(compiled(secret), { store, runId: 'run-1' }).result;
      assert.equal(first.stages.call.status, 'SUCCEEDED');
      const same = await startRun(compiled(secret), { store, runId: 'run-2' }).result;
      assert.equal(same.stages.call.status, 'CACHED');
      const changed = await startRun(compiled('q7Zy'), { store, runId: 'run-3' }).result;
      assert.equal(changed.stages.call.status, 'SUCCEEDED');
      assert.equal(changed.stages.call.reason, 'param `token` changed');
      await store.close();

      const files = filesUnder(path.join(tmp, 'secretive')).filter((f) => !f.file.endsWith('secret.key'));
      assert.ok(files.some((f) => f.file.endsWith('db.json')) && files.some((f) => f.file.endsWith('events.jsonl')), 'db.json and run logs written');
      for (const needle of [secret, sha256(secret), sha256(JSON.stringify(secret))]) {
        const found = files.filter((f) => f.bytes.includes(needle)).map((f) => path.relative(tmp, f.file));
        assert.deepEqual(found, [], `\`${needle}\` found`);
      }
    });
  });
});
