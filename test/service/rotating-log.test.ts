import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RotatingLog } from '../../src/service/rotating-log';

describe('RotatingLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-rotating-log-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sizes = (file: string) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => l.length);

  describe('when one chunk holds more lines than fit in a file', () => {
    it('rotates between lines, each file within maxBytes and ending on a whole line', () => {
      const file = path.join(dir, 'svc.log');
      const log = new RotatingLog(file, { maxBytes: 1024, keep: 3 });
      const line = (n: number) => `${String(n).padEnd(399, 'x')}\n`;
      log.write(line(1) + line(2) + line(3) + line(4) + line(5));
      log.close();
      assert.deepEqual([sizes(`${file}.2`), sizes(`${file}.1`), sizes(file)], [[399, 399], [399, 399], [399]]);
      assert.deepEqual(fs.readFileSync(file, 'utf8'), line(5));
    });
  });

  describe('when a line is longer than maxBytes', () => {
    it('cuts it into pieces of maxBytes, one file each', () => {
      const file = path.join(dir, 'svc.log');
      const log = new RotatingLog(file, { maxBytes: 100, keep: 3 });
      log.write(`${'y'.repeat(249)}\n`);
      log.close();
      assert.deepEqual([`${file}.2`, `${file}.1`, file].map((f) => fs.statSync(f).size), [100, 100, 50]);
    });
  });
});
