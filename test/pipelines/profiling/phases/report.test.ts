import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../../../pipelines/profiling/phases/report';
import { escapeHtml } from '../../../../pipelines/profiling/report-html';
import { fakeContext, smallProfile, tempTables } from '../fixtures';

describe('report phase', () => {
  describe('when every phase output is given', () => {
    it('writes one self-contained HTML file into the pipeline folder of the given state folder and returns it', async () => {
      const stateDir = tempTables({});
      const out = await run(fakeContext({ stateDir, title: 'Shops <test>' }), await smallProfile());
      const file = path.join(stateDir, 'profiling', 'reports', 'profiling-report.html');
      assert.equal(out.path, file);
      assert.equal(fs.readFileSync(file, 'utf8'), out.html);
      assert.match(out.html, /^<!DOCTYPE html>/);
      assert.match(out.html, /<title>Shops &lt;test&gt;<\/title>/);
      assert.match(out.html, /sales\.shop<\/td><td>shops\.shop_id/);
      assert.doesNotMatch(out.html, /<script|<link /);
    });
  });
  describe('when the pipeline and the file are named', () => {
    it('writes `<stateDir>/<pipeline>/<reportFile>`', async () => {
      const stateDir = tempTables({});
      const out = await run(fakeContext({ stateDir, pipeline: 'shops', reportFile: 'out/r.html' }), await smallProfile());
      assert.equal(out.path, path.join(stateDir, 'shops', 'out', 'r.html'));
      assert.equal(fs.readFileSync(out.path, 'utf8'), out.html);
    });
    it('refuses a report file outside the pipeline folder', async () => {
      const stateDir = tempTables({});
      await assert.rejects(run(fakeContext({ stateDir, reportFile: '../r.html' }), await smallProfile()), {
        message: `Expected param \`reportFile\` to be a relative path inside \`${path.join(stateDir, 'profiling')}\`, got \`../r.html\``,
      });
    });
  });
  describe("when the run tells the stage its pipeline's state folder", () => {
    it('writes `<ctx.stateDir>/<reportFile>`, before the `stateDir` and `pipeline` params', async () => {
      const runFolder = path.join(tempTables({}), 'shops');
      const other = tempTables({});
      const out = await run({ ...fakeContext({ stateDir: other, pipeline: 'elsewhere' }), stateDir: runFolder }, await smallProfile());
      assert.equal(out.path, path.join(runFolder, 'reports', 'profiling-report.html'));
      assert.equal(fs.readFileSync(out.path, 'utf8'), out.html);
      assert.deepEqual(fs.readdirSync(other), []);
    });
  });
  describe('when no state folder is given', () => {
    const saved = process.env.DAGBOOK_STATE_DIR;
    afterEach(() => {
      if (saved === undefined) delete process.env.DAGBOOK_STATE_DIR;
      else process.env.DAGBOOK_STATE_DIR = saved;
    });
    it('writes under $DAGBOOK_STATE_DIR, as the workbench and the CLI keep state there', async () => {
      const stateDir = tempTables({});
      process.env.DAGBOOK_STATE_DIR = stateDir;
      const out = await run(fakeContext({}), await smallProfile());
      assert.equal(out.path, path.join(stateDir, 'profiling', 'reports', 'profiling-report.html'));
      assert.ok(fs.existsSync(out.path));
    });
  });
  describe('when an input is missing', () => {
    it('names it', async () => {
      await assert.rejects(run(fakeContext(), {}), /Expected the output of stage `import` among the inputs/);
    });
  });
  describe('when escaping', () => {
    it('escapes markup characters', () => {
      assert.equal(escapeHtml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    });
  });
});
