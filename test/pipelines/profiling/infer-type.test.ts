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
      assert.deepEqual(inferColumnType(['24.12.2020', '1.1.2021']), { type: 'date', format: 'DD.MM.YYYY', confidence: 1 });
    });
    it('types ISO datetimes with and without UTC offsets as one format', () => {
      assert.deepEqual(inferColumnType(['2020-01-01T10:00:00Z', '2020-01-01T12:00:00+02:00', '2020-01-02 08:30']), { type: 'datetime', format: 'YYYY-MM-DDTHH:mm:ss', confidence: 1 });
    });
  });
  describe('when slash dates are ambiguous', () => {
    it('reads a column as US when every value parses month-first', () => {
      assert.deepEqual(inferColumnType(['12/31/2020', '01/02/2020']), { type: 'date', format: 'MM/DD/YYYY', confidence: 1 });
    });
    it('reads it day-first when a day past 12 only parses day-first', () => {
      assert.deepEqual(inferColumnType(['31/12/2020', '01/02/2020']), { type: 'date', format: 'DD/MM/YYYY', confidence: 1 });
    });
    it('prefers the format that parses every value to one that parses enough', () => {
      // 19 of 20 values parse month-first (0.95, enough on its own); all 20 parse day-first.
      const cells = [...Array.from({ length: 19 }, (_, i) => `${String((i % 12) + 1).padStart(2, '0')}/03/2021`), '13/03/2021'];
      assert.deepEqual(inferColumnType(cells), { type: 'date', format: 'DD/MM/YYYY', confidence: 1 });
    });
    it('reads a column whose every day is 12 or less as US (a tie goes to the earlier format)', () => {
      assert.deepEqual(inferColumnType(['01/02/2020', '03/04/2020']), { type: 'date', format: 'MM/DD/YYYY', confidence: 1 });
      assert.equal(parseCell('03/04/2020', 'date', 'MM/DD/YYYY'), Date.UTC(2020, 2, 4));
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
