import { strict as assert } from 'node:assert';
import type { Clock } from '../../src/clock';
import { systemClock } from '../../src/clock';
import { resolveWorkbenchOptions } from '../../src/notebook/workbench-options';

describe('resolveWorkbenchOptions', () => {
  describe('when only the folders are given', () => {
    it('fills in every default', () => {
      assert.deepEqual(resolveWorkbenchOptions({ stateDir: '/s', baseDir: '/b' }), {
        stateDir: '/s',
        baseDir: '/b',
        clock: systemClock,
        sink: undefined,
        quiet: false,
        refreshMs: 100,
        eventLines: true,
        listeners: [],
        cache: undefined,
        nextStepTarget: { kind: 'notebook' },
      });
    });
  });

  describe('when options are given', () => {
    it('keeps them', () => {
      const clock = { ...systemClock } as Clock;
      const sink = (_text: string) => undefined;
      const listener = () => undefined;
      assert.deepEqual(
        resolveWorkbenchOptions({
          stateDir: '/s',
          baseDir: '/b',
          clock,
          sink,
          quiet: true,
          refreshMs: 5,
          eventLines: false,
          listeners: [listener],
          cache: { maxEntriesPerStage: 2 },
          nextStepTarget: { kind: 'cli', pipelineFile: 'pipelines/p.yaml' },
        }),
        {
          stateDir: '/s',
          baseDir: '/b',
          clock,
          sink,
          quiet: true,
          refreshMs: 5,
          eventLines: false,
          listeners: [listener],
          cache: { maxEntriesPerStage: 2 },
          nextStepTarget: { kind: 'cli', pipelineFile: 'pipelines/p.yaml' },
        },
      );
    });
  });
});
