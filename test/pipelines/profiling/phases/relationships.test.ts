import assert from 'node:assert/strict';
import { candidateKeys, foreignKeys, type RelationshipsOutput } from '../../../../pipelines/profiling/phases/relationships';
import type { TypedTable } from '../../../../pipelines/profiling/typed-table';
import { smallProfile } from '../fixtures';

const t = (name: string, cols: Record<string, [TypedTable['columns'][number]['type'], (string | number | null)[]]>): TypedTable => {
  const entries = Object.entries(cols);
  return { name, rows: entries[0][1][1].length, columns: entries.map(([n, [type, values]]) => ({ name: n, type, values })) };
};

describe('relationships phase', () => {
  describe('when a column holds only values of another table key', () => {
    it('finds the key and the foreign key', async () => {
      const rel = (await smallProfile()).relationships as RelationshipsOutput;
      assert.deepEqual(rel.candidateKeys, [{ table: 'shops', columns: ['shop_id'] }]);
      assert.deepEqual(rel.foreignKeys, [{ from: { table: 'sales', column: 'shop' }, to: { table: 'shops', column: 'shop_id' }, containment: 1, distinct: 3 }]);
    });
  });
  describe('when no single column is unique', () => {
    it('tries pairs', () => {
      assert.deepEqual(candidateKeys(t('r', { a: ['category', ['x', 'x', 'y']], b: ['category', ['p', 'q', 'p']] })), [['a', 'b']]);
    });
  });
  describe('when two key columns contain each other', () => {
    it('keeps the direction pointing at a leading column', () => {
      const people = t('people', { name: ['identifier', ['A', 'B']], age: ['integer', [1, 2]] });
      const groups = t('groups', { g: ['integer', [1, 1]], person: ['identifier', ['B', 'A']] });
      const fks = foreignKeys([people, groups], [{ table: 'people', columns: ['name'] }, { table: 'groups', columns: ['person'] }], 0.95, 2);
      assert.deepEqual(fks.map((f) => `${f.from.table}.${f.from.column}->${f.to.table}.${f.to.column}`), ['groups.person->people.name']);
    });
  });
});
