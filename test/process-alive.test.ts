import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { isProcessAlive } from '../src/process-alive';

describe('isProcessAlive', function () {
  this.timeout(20_000);

  describe('when the process runs', () => {
    it('is true for this process and for a child until it has exited and been reaped', async () => {
      assert.equal(isProcessAlive(process.pid), true);
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      assert.equal(isProcessAlive(child.pid!), true);
      child.kill('SIGKILL');
      await exited;
      // 'exit' comes once node has reaped it: the id names no process any more.
      assert.equal(isProcessAlive(child.pid!), false);
    });
  });

  describe('when no process has the id', () => {
    it('is false', () => {
      // Above the kernel's pid_max (at most 2^22): no process has this id.
      assert.equal(isProcessAlive(2 ** 22 + 1), false);
    });
  });
});
