import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { terminalProgress } from '../../src/cli/terminal-progress';
import type { PipelineEvent } from '../../src/events/event';

/** A stream that says it is a terminal, keeping what is written to it. */
function fakeTty(): NodeJS.WriteStream & { text(): string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text(): string };
  let written = '';
  Object.assign(stream, {
    isTTY: true,
    columns: 120,
    rows: 40,
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
    getWindowSize: () => [120, 40],
    write: (chunk: string) => {
      written += chunk;
      return true;
    },
    text: () => written.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ''),
  });
  return stream;
}

function event(type: string, stageId: string, metadata: Record<string, unknown>, message = ''): PipelineEvent {
  return { timestamp: '2026-01-01T00:00:00.000Z', runId: 'r', stageId, type, level: 'INFO', message, metadata, correlationId: 'r', seq: 1 } as PipelineEvent;
}

describe('terminalProgress', () => {
  describe('when a run reports on a terminal', () => {
    it('draws one bar per stage with its progress and final state', () => {
      const tty = fakeTty();
      const progress = terminalProgress(tty);
      progress.listener(event('STEP_START', 'typing', { attempt: 1, idempotencyKey: 'k' }));
      progress.listener(event('STEP_PROGRESS', 'typing', { done: 3, total: 6 }, 'table 3 of 6'));
      progress.listener(event('STEP_SKIPPED', 'import', { reason: 'up to date', status: 'CACHED' }));
      progress.listener(event('STEP_SUCCESS', 'typing', { attempt: 1, durationMs: 5, usage: {} }));
      progress.stop();
      const text = tty.text();
      assert.match(text, /100% \| typing\s+\| succeeded/);
      assert.match(text, /100% \| import\s+\| cached/);
    });
  });
});
