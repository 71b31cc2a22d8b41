import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { descendants, signal } from '../../src/cli/process-tree';
import { isProcessAlive } from '../../src/process-alive';

/** Resolves with the first line `child` prints. */
function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
  });
}

describe('process-tree', function () {
  this.timeout(20_000);

  describe('when a child started a grandchild in a session of its own', () => {
    it('lists both under the parent, and ends them by id', async () => {
      // The grandchild is detached like a Jupyter kernel: its own session and group.
      const script = [
        "const { spawn } = require('node:child_process');",
        "const g = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'ignore' });",
        'console.log(g.pid);',
        'setTimeout(() => {}, 60000);',
      ].join('\n');
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const grandchild = Number(await firstLine(child));
      try {
        assert.deepEqual(descendants(process.pid).filter((pid) => pid === child.pid || pid === grandchild), [child.pid, grandchild]);
        assert.deepEqual(descendants(child.pid!), [grandchild]);
        assert.equal(isProcessAlive(grandchild), true);
      } finally {
        assert.equal(signal(grandchild, 'SIGKILL'), true);
        child.kill('SIGKILL');
      }
    });
  });

  describe('when the process does not exist', () => {
    it('has no descendants, does not exist, and a signal reaches nothing', () => {
      // Above the kernel's pid_max (at most 2^22): no process has this id.
      const none = 2 ** 22 + 1;
      assert.deepEqual(descendants(none), []);
      assert.equal(isProcessAlive(none), false);
      assert.equal(signal(none, 'SIGTERM'), false);
    });
  });
});
