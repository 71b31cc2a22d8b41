import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { idempotencyKey } from '../../src/execute/idempotency';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { filesUnder } from '../store/fixtures';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A stage as the key sees it. */
const stage = (id: string, params: Record<string, unknown>, secretParams: string[] = []) => ({ id, params, secretParams });

describe('idempotencyKey', () => {
  describe('when given a run, a stage and params', () => {
    it('is the hex sha256 of runId|stageId|canonical params (keys sorted, no whitespace)', () => {
      // sha256('run-1|ingest_data|{"batch_size":100,"sources":["trends","forums"],"z":{"a":1,"b":2}}')
      assert.equal(
        idempotencyKey('run-1', stage('ingest_data', { z: { b: 2, a: 1 }, sources: ['trends', 'forums'], batch_size: 100 })),
        '00d12c84d8b62d75f0215d180a4a3a97aba0108f4168dfe2df8edf56408d5846',
      );
    });
  });

  describe('when only the key order of the params differs', () => {
    it('gives the same key', () => {
      assert.equal(idempotencyKey('r', stage('s', { a: 1, b: { c: 2, d: 3 } })), idempotencyKey('r', stage('s', { b: { d: 3, c: 2 }, a: 1 })));
    });
  });

  describe('when the run, the stage or a param differs', () => {
    it('gives a different key', () => {
      const base = idempotencyKey('r', stage('s', { a: 1 }));
      assert.notEqual(idempotencyKey('r2', stage('s', { a: 1 })), base);
      assert.notEqual(idempotencyKey('r', stage('s2', { a: 1 })), base);
      assert.notEqual(idempotencyKey('r', stage('s', { a: 2 })), base);
    });
  });

  describe('when the stage has secret params', () => {
    it('leaves them out: the key is that of the other params, whatever the secret', () => {
      // sha256('run-1|call|{"region":"eu"}')
      assert.equal(idempotencyKey('run-1', stage('call', { token: 'q7Zx', region: 'eu' }, ['token'])), sha256('run-1|call|{"region":"eu"}'));
      assert.equal(idempotencyKey('run-1', stage('call', { token: 'q7Zy', region: 'eu' }, ['token'])), sha256('run-1|call|{"region":"eu"}'));
    });
  });

  describe('when a stage with a short secret param runs on a durable store', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-idempotency-'));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('stores no hash over the secret that a guess could be checked against', async () => {
      const secret = 'q7Zx';
      const compiled = compilePipeline({
        name: 'secretive',
        stages: [{ id: 'call', params: { token: secret, region: 'eu' }, secretParams: ['token'], run: (ctx) => `called ${ctx.params.region}` }],
      });
      const store = await openDurableStore({ stateDir: tmp, pipeline: 'secretive' });
      const result = await runPipeline(compiled, { store, runId: 'run-1' });
      await store.close();
      assert.equal(result.stages.call.status, 'SUCCEEDED');
      assert.equal(result.stages.call.idempotencyKey, sha256('run-1|call|{"region":"eu"}'));

      const files = filesUnder(path.join(tmp, 'secretive')).filter((f) => !f.file.endsWith('secret.key'));
      assert.ok(files.some((f) => f.file.endsWith('db.json')) && files.some((f) => f.file.endsWith('events.jsonl')), 'db.json and run logs written');
      const needles = [
        secret,
        sha256(secret),
        sha256(JSON.stringify(secret)),
        // The key as formed over every param: guessable from the run id, the stage id and the stored params.
        sha256(`run-1|call|{"region":"eu","token":"${secret}"}`),
      ];
      for (const needle of needles) {
        const found = files.filter((f) => f.bytes.includes(needle)).map((f) => path.relative(tmp, f.file));
        assert.deepEqual(found, [], `\`${needle}\` found`);
      }
      assert.ok(files.some((f) => f.bytes.includes(sha256('run-1|call|{"region":"eu"}'))), 'the key itself is stored');
    });
  });
});
