import { strict as assert } from 'node:assert';
import { renderEventLine } from '../../src/notebook/workbench-views';
import { ev } from '../display/progress-events';

describe('renderEventLine', () => {
  describe('when a per-item stage reports', () => {
    it('gives a line per failed item and none per progress report', () => {
      const failure = ev('ITEM_FAILURE', Date.UTC(2026, 0, 1, 9, 5, 3, 250), 'embed', { itemId: 'docs/x.md', code: 'PARSE_FAILED', errorClass: 'persistent', attempts: 1 }, 'Item `docs/x.md` of `embed` failed: bad fence');
      const progress = ev('ITEMS_PROGRESS', Date.UTC(2026, 0, 1, 9, 5, 3, 500), 'embed', { done: 3, failed: 1, cached: 0, running: 2, total: 10, itemsPerSecond: 8 });
      assert.deepEqual([renderEventLine(failure), renderEventLine(progress)], ['09:05:03.250 INFO  Item `docs/x.md` of `embed` failed: bad fence', undefined]);
    });
  });
});
