import { strict as assert } from 'node:assert';
import { untilStopSignal } from '../../src/cli/stop-signal';

describe('untilStopSignal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    describe(`when the process gets ${signal}`, () => {
      it('resolves, and listens for neither signal any more', async () => {
        const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
        let resolved = false;
        const stopped = untilStopSignal().then(() => {
          resolved = true;
        });
        assert.deepEqual({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }, { SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(resolved, false);
        process.kill(process.pid, signal);
        await stopped;
        assert.deepEqual({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }, before);
      });
    });
  }
});
