import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../../../pipelines/profiling/phases/report';
import { escapeHtml } from '../../../../pipelines/profiling/report-html';
import { fakeContext, smallProfile, tempTables } from '../fixtures';

describe('report phase', () => {
  describe('when every phase output is given', () => {
    it('writes one self-contained HTML file and returns it', async () => {
      const file = path.join(tempTables({}), 'out', 'r.html');
      const out = await run(fakeContext({ reportPath: file, title: 'Shops <test>' }), await smallProfile());
      assert.equal(out.path, file);
      assert.equal(fs.readFileSync(file, 'utf8'), out.html);
      assert.match(out.html, /^<!DOCTYPE html>/);
      assert.match(out.html, /<title>Shops &lt;test&gt;<\/title>/);
      assert.match(out.html, /sales\.shop<\/td><td>shops\.shop_id/);
      assert.doesNotMatch(out.html, /<script|<link /);
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
