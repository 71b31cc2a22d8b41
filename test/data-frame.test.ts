import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { DANFOJS_OVERRIDES, loadDanfo } from '../src/data-frame';
import { isDagbookError } from '../src/errors';

describe('loadDanfo', function () {
  this.timeout(20_000);

  describe('when danfojs is not installed where the loader resolves from', () => {
    it('throws DEPENDENCY_MISSING naming the package, the override to add and the command', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-no-danfo-'));
      try {
        const load = createRequire(path.join(dir, 'index.js'));
        assert.throws(
          () => loadDanfo(load),
          (error: unknown) => {
            assert.ok(isDagbookError(error));
            assert.equal(error.code, 'DEPENDENCY_MISSING');
            assert.equal(
              error.message,
              'DataFrames need the package `danfojs`, which is not installed: add {"overrides":{"xlsx":"0.18.5"}} to your project\'s package.json (danfojs depends on an xlsx tarball served outside the npm registry), then run `npm install danfojs`.',
            );
            assert.deepEqual(error.data, { package: 'danfojs', overrides: { xlsx: '0.18.5' } });
            return true;
          },
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when danfojs is installed but a module it needs is missing', () => {
    it('throws that error as it is', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-broken-danfo-'));
      try {
        fs.mkdirSync(path.join(dir, 'node_modules', 'danfojs'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'node_modules', 'danfojs', 'index.js'), "require('dagbook-no-such-module');\n");
        const load = createRequire(path.join(dir, 'index.js'));
        assert.throws(() => loadDanfo(load), (error: unknown) => {
          assert.equal(isDagbookError(error), false);
          assert.equal((error as { code?: unknown }).code, 'MODULE_NOT_FOUND');
          assert.match((error as Error).message, /^Cannot find module 'dagbook-no-such-module'\n/);
          return true;
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when danfojs is installed (as in this repository)', () => {
    it('returns its DataFrame and Series', () => {
      const danfo = loadDanfo();
      assert.equal(typeof danfo.DataFrame, 'function');
      assert.equal(typeof danfo.Series, 'function');
      assert.deepEqual(DANFOJS_OVERRIDES, { xlsx: '0.18.5' });
    });
  });
});
