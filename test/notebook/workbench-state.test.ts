import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultStateDir } from '../../src/notebook/workbench-state';

describe('defaultStateDir', () => {
  let root: string;

  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-statedir-')));
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  describe('when a folder above holds a package.json', () => {
    it('is `state/` beside the nearest one', () => {
      fs.mkdirSync(path.join(root, 'project', 'notebooks', 'deep'), { recursive: true });
      fs.writeFileSync(path.join(root, 'package.json'), '{}');
      fs.writeFileSync(path.join(root, 'project', 'package.json'), '{}');
      assert.equal(defaultStateDir(path.join(root, 'project', 'notebooks', 'deep')), path.join(root, 'project', 'state'));
    });
  });
});
