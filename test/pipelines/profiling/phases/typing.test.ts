import assert from 'node:assert/strict';
import type { TypingOutput } from '../../../../pipelines/profiling/phases/typing';
import { smallProfile } from '../fixtures';

describe('typing phase', () => {
  describe('when run over the small tables', () => {
    it('types every column with its format and counts nulls', async () => {
      const typing = (await smallProfile()).typing as TypingOutput;
      const sales = typing.tables.find((t) => t.name === 'sales')!;
      assert.deepEqual(
        sales.columns.map((c) => [c.name, c.type, c.format ?? null, c.nulls]),
        [['day', 'date', 'YYYY-MM-DD', 0], ['shop', 'text', null, 0], ['amount', 'float', null, 1], ['units', 'integer', null, 0], ['channel', 'category', null, 0]],
      );
      assert.equal(typing.tables[0].columns[0].type, 'identifier');
    });
  });
});
