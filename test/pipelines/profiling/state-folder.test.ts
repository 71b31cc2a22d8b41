import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PIPELINE_DIR } from '../../../pipelines/profiling/phase-io';
import { pathInFolder, pipelineFolder, pipelineStatePath, resolveStateDir } from '../../../pipelines/profiling/state-folder';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('state-folder', () => {
  describe('when resolving the state folder', () => {
    it('takes a given folder first, relative paths from the pipeline folder', () => {
      assert.equal(resolveStateDir('/tmp/s', { DAGBOOK_STATE_DIR: '/tmp/env' }), '/tmp/s');
      assert.equal(resolveStateDir('../other-state', {}), path.join(ROOT, 'other-state'));
      assert.equal(PIPELINE_DIR, path.join(ROOT, 'pipelines'));
    });
    it('takes $DAGBOOK_STATE_DIR next', () => {
      assert.equal(resolveStateDir(undefined, { DAGBOOK_STATE_DIR: '/tmp/env' }), '/tmp/env');
    });
    it("falls back to the project's state/ (an empty variable counts as unset)", () => {
      assert.equal(resolveStateDir(undefined, {}), path.join(ROOT, 'state'));
      assert.equal(resolveStateDir(undefined, { DAGBOOK_STATE_DIR: '' }), path.join(ROOT, 'state'));
    });
  });
  describe("when choosing the pipeline's folder", () => {
    it("takes the run's own folder first", () => {
      assert.equal(pipelineFolder('/run/profiling', '/tmp/s', 'shops', { DAGBOOK_STATE_DIR: '/tmp/env' }), '/run/profiling');
    });
    it('else joins the resolved state folder and the pipeline name', () => {
      assert.equal(pipelineFolder(undefined, '/tmp/s', 'shops', { DAGBOOK_STATE_DIR: '/tmp/env' }), '/tmp/s/shops');
      assert.equal(pipelineFolder(undefined, undefined, 'shops', { DAGBOOK_STATE_DIR: '/tmp/env' }), '/tmp/env/shops');
    });
  });
  describe('when placing a file in a folder', () => {
    it('joins folder and file, and refuses absolute paths and paths that climb out', () => {
      assert.equal(pathInFolder('/s/profiling', 'reports/r.html'), '/s/profiling/reports/r.html');
      assert.equal(pathInFolder('/s/profiling', '/etc/r.html'), undefined);
      assert.equal(pathInFolder('/s/profiling', '../profiling-x/r.html'), undefined);
    });
  });
  describe('when placing a file in the pipeline folder', () => {
    it('joins state folder, pipeline and file', () => {
      assert.equal(pipelineStatePath('/s', 'profiling', 'reports/r.html'), '/s/profiling/reports/r.html');
    });
    it('refuses absolute paths and paths that climb out', () => {
      assert.equal(pipelineStatePath('/s', 'profiling', '/etc/r.html'), undefined);
      assert.equal(pipelineStatePath('/s', 'profiling', '../other/r.html'), undefined);
      assert.equal(pipelineStatePath('/s', 'profiling', '.'), undefined);
    });
  });
});
