import assert from 'node:assert/strict';
import { inferColumnType, isNullCell, parseCell } from '../../../pipelines/profiling/infer-type';

describe('inferColumnType', () => {
  describe('when values are numeric', () => {
    it('types whole numbers as integer and decimals as float', () => {
      assert.deepEqual(inferColumnType(['1', '-2', '30']), { type: 'integer', confidence: 1 });
      assert.deepEqual(inferColumnType(['1.5', '2', '', '3e2']), { type: 'float', confidence: 1 });
    });
    it('keeps leading-zero codes out of integer', () => {
      assert.equal(inferColumnType(['007', '008', '009']).type, 'identifier');
    });
    it('reports the share that parses as the confidence', () => {
      const cells = [...Array.from({ length: 19 }, (_, i) => String(i + 0.5)), 'n/a?'];
      assert.deepEqual(inferColumnType(cells), { type: 'float', confidence: 0.95 });
    });
  });
  describe('when values are dates', () => {
    it('names the format', () => {
      assert.deepEqual(inferColumnType(['Jan 1 2000', 'Feb 1 2000']), { type: 'date', format: 'MMM D YYYY', confidence: 1 });
      assert.deepEqual(inferColumnType(['2001/01/01 01:10', '2001/01/02 07:00']), { type: 'datetime', format: 'YYYY/MM/DD HH:mm', confidence: 1 });
    });
  });
  describe('when values are strings', () => {
    it('types few distinct values as category', () => {
      assert.deepEqual(inferColumnType(['rain', 'sun', 'rain', 'sun', 'rain', 'sun', 'rain', 'sun', 'rain', 'rain']), { type: 'category', confidence: 1 });
    });
    it('types unique tokens as identifier and unique phrases as text', () => {
      assert.equal(inferColumnType(['ABE', 'ATL', 'BHM']).type, 'identifier');
      assert.equal(inferColumnType(['New York', 'Los Angeles', 'San Diego']).type, 'text');
    });
    it('types true/false as boolean, JSON booleans included', () => {
      assert.deepEqual(inferColumnType(['true', 'False', true, null]), { type: 'boolean', confidence: 1 });
    });
  });
  describe('when every cell is null', () => {
    it('falls back to text with confidence 0', () => {
      assert.deepEqual(inferColumnType([null, '', 'NA']), { type: 'text', confidence: 0 });
    });
  });
});

describe('parseCell', () => {
  describe('when the cell fits the type', () => {
    it('parses numbers, booleans and dates (epoch ms)', () => {
      assert.equal(parseCell(' 42 ', 'integer'), 42);
      assert.equal(parseCell('yes', 'boolean'), true);
      assert.equal(parseCell('2012-01-02', 'date', 'YYYY-MM-DD'), Date.UTC(2012, 0, 2));
    });
  });
  describe('when it does not', () => {
    it('returns null, as for null-like cells', () => {
      assert.equal(parseCell('abc', 'float'), null);
      assert.equal(parseCell('N/A', 'text'), null);
      assert.equal(isNullCell('  NaN '), true);
    });
  });
});
