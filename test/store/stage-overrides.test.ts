import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { readStageOverrides, setStageOverride, stageOverridesPath } from '../../src/store/stage-overrides';
import { statePaths } from '../../src/store/state-paths';

describe('stage overrides file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-overrides-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when there is none', () => {
    it('reads as no override', () => {
      assert.deepEqual(readStageOverrides(statePaths(dir, 'p')), { stages: {} });
    });
  });

  describe('when stages are set', () => {
    it('keeps each stage’s latest override with its time, in state/<pipeline>/overrides.json', () => {
      const paths = statePaths(dir, 'p');
      setStageOverride(paths, 'deploy', false, Date.UTC(2025, 0, 2, 3, 4, 5));
      setStageOverride(paths, 'stress', true, Date.UTC(2025, 0, 2, 3, 4, 6));
      setStageOverride(paths, 'deploy', true, Date.UTC(2025, 0, 2, 3, 4, 7));
      const expected = { stages: { deploy: { enabled: true, at: '2025-01-02T03:04:07.000Z' }, stress: { enabled: true, at: '2025-01-02T03:04:06.000Z' } } };
      assert.deepEqual(readStageOverrides(paths), expected);
      assert.equal(stageOverridesPath(paths), path.join(dir, 'p', 'overrides.json'));
      assert.deepEqual(JSON.parse(fs.readFileSync(stageOverridesPath(paths), 'utf8')), expected);
    });
  });

  describe('when the file is damaged', () => {
    it('throws STATE_CORRUPT naming the file and the field', () => {
      const paths = statePaths(dir, 'p');
      fs.mkdirSync(paths.root, { recursive: true });
      fs.writeFileSync(stageOverridesPath(paths), '{"stages":{"deploy":{"enabled":"no","at":"2025-01-02T03:04:07.000Z"}}}');
      assert.throws(
        () => readStageOverrides(paths),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && (e as Error).message === `${stageOverridesPath(paths)}: \`stages.deploy.enabled\`: Expected boolean, received string`,
      );
    });
  });
});
