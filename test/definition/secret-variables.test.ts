import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipelineFile } from '../../src/definition/load-file';
import { readSecretVariables } from '../../src/definition/secret-variables';
import type { DagbookError, PlanIssue } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';

describe('readSecretVariables', () => {
  describe('when every variable is set', () => {
    it('gives each secret its variable’s value', () => {
      assert.deepEqual(readSecretVariables('trials', { API_KEY: { env: 'TRIALS_API_KEY' } }, { TRIALS_API_KEY: 'k-12345' }), { API_KEY: 'k-12345' });
    });
  });

  describe('when variables are unset or empty', () => {
    it('throws SECRET_MISSING naming every such secret and its variable', () => {
      assert.throws(
        () => readSecretVariables('trials', { API_KEY: { env: 'TRIALS_API_KEY' }, DB: { env: 'DB_URL' }, OK: { env: 'SET' } }, { DB_URL: '', SET: 'value' }),
        (e: DagbookError) => {
          assert.equal(e.code, 'SECRET_MISSING');
          assert.equal(
            e.message,
            '`trials` needs secrets whose environment variable is not set: `API_KEY` (variable `TRIALS_API_KEY`), `DB` (variable `DB_URL`); set them before loading the pipeline',
          );
          assert.deepEqual(e.data, { missing: [{ secret: 'API_KEY', variable: 'TRIALS_API_KEY' }, { secret: 'DB', variable: 'DB_URL' }] });
          return true;
        },
      );
    });
  });
});

describe('loadPipelineFile with secrets', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-secrets-'));
    file = path.join(dir, 'trials.yaml');
    fs.writeFileSync(path.join(dir, 'stages.js'), 'exports.fetch = async (ctx) => ctx.secret("API_KEY").length;\n');
    fs.writeFileSync(
      file,
      ['name: trials', 'secrets:', '  API_KEY: { env: TRIALS_API_KEY }', 'environments:', '  prod:', '    secrets: { API_KEY: { env: PROD_API_KEY } }', 'stages:', '  fetch: { fn: ./stages#fetch }', ''].join('\n'),
    );
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when the variable is set', () => {
    it('reads the value into the definition’s secrets, and the plan names the secret only', async () => {
      const def = await loadPipelineFile(file, { variables: { TRIALS_API_KEY: 'dev-key-123' } });
      assert.deepEqual(def.secrets, { API_KEY: 'dev-key-123' });
      const compiled = compilePipeline(def);
      assert.deepEqual(compiled.plan.secretNames, ['API_KEY']);
      assert.equal(JSON.stringify(compiled.plan).includes('dev-key-123'), false);
      assert.deepEqual(compiled.secrets, { API_KEY: 'dev-key-123' });
    });

    it('reads the variable the selected environment names', async () => {
      const def = await loadPipelineFile(file, { env: 'prod', variables: { TRIALS_API_KEY: 'dev-key-123', PROD_API_KEY: 'prod-key-456' } });
      assert.deepEqual(def.secrets, { API_KEY: 'prod-key-456' });
    });
  });

  describe('when the variable is not set', () => {
    it('throws SECRET_MISSING naming the secret and the variable', async () => {
      await assert.rejects(loadPipelineFile(file, { env: 'prod', variables: { TRIALS_API_KEY: 'dev-key-123' } }), {
        code: 'SECRET_MISSING',
        message: '`trials` needs a secret whose environment variable is not set: `API_KEY` (variable `PROD_API_KEY`); set it before loading the pipeline',
      });
    });
  });

  describe("when the variable is not set and the file is loaded with `secrets: 'names'`", () => {
    it('loads it, keeping the set values and the unset secrets with their variables; the plan names both', async () => {
      fs.writeFileSync(file, 'name: trials\nsecrets:\n  API_KEY: { env: TRIALS_API_KEY }\n  DB: { env: DB_URL }\nstages:\n  fetch: { fn: ./stages#fetch }\n');
      const def = await loadPipelineFile(file, { secrets: 'names', variables: { DB_URL: 'postgres://db', TRIALS_API_KEY: '' } });
      assert.deepEqual([def.secrets, def.unsetSecrets], [{ DB: 'postgres://db' }, { API_KEY: 'TRIALS_API_KEY' }]);
      const compiled = compilePipeline(def);
      assert.deepEqual([compiled.plan.secretNames, compiled.secrets, compiled.unsetSecrets], [['DB', 'API_KEY'], { DB: 'postgres://db' }, { API_KEY: 'TRIALS_API_KEY' }]);
    });

    it('reads every value and has no unset secret when the variables are set', async () => {
      const def = await loadPipelineFile(file, { secrets: 'names', variables: { TRIALS_API_KEY: 'dev-key-123' } });
      assert.deepEqual([def.secrets, def.unsetSecrets, compilePipeline(def).unsetSecrets], [{ API_KEY: 'dev-key-123' }, undefined, undefined]);
    });
  });

  describe('when a secret is declared with a value instead of a variable', () => {
    it('refuses it, naming the field and the value', async () => {
      fs.writeFileSync(file, 'name: trials\nsecrets:\n  API_KEY: hunter22\nstages:\n  fetch: { fn: ./stages#fetch }\n');
      await assert.rejects(loadPipelineFile(file, { variables: {} }), (e: DagbookError) => {
        assert.deepEqual(e.data.issues as PlanIssue[], [{ code: 'PLAN_INVALID_FIELD', path: 'secrets.API_KEY', message: 'Expected `secrets.API_KEY` to be `{ env: VARIABLE }`, the environment variable that holds the value, got `"hunter22"`' }]);
        return true;
      });
    });
  });
});
