import assert from 'node:assert/strict';
import { DATE_FORMATS, dateFormat } from '../../../pipelines/profiling/date-formats';

const parse = (format: string, value: string): number | undefined => dateFormat(format)!.parse(value);

describe('date-formats', () => {
  describe('when listing the formats', () => {
    it('names each, in the order that breaks ties', () => {
      assert.deepEqual(
        DATE_FORMATS.map((f) => `${f.name}:${f.kind}`),
        ['YYYY-MM-DD:date', 'YYYY/MM/DD:date', 'DD.MM.YYYY:date', 'YYYY-MM-DDTHH:mm:ss:datetime', 'YYYY/MM/DD HH:mm:datetime', 'MMM D YYYY:date', 'MM/DD/YYYY:date', 'DD/MM/YYYY:date'],
      );
    });
  });
  describe('when a value matches a format', () => {
    it('parses ISO dates to UTC midnight', () => {
      assert.equal(parse('YYYY-MM-DD', '2012-01-01'), Date.UTC(2012, 0, 1));
      assert.equal(parse('YYYY-MM-DD', ' 2012-01-01 '), Date.UTC(2012, 0, 1));
    });
    it('parses slash and dotted dates', () => {
      assert.equal(parse('YYYY/MM/DD', '2020/02/29'), Date.UTC(2020, 1, 29));
      assert.equal(parse('DD.MM.YYYY', '31.12.2020'), Date.UTC(2020, 11, 31));
      assert.equal(parse('DD.MM.YYYY', '1.2.2020'), Date.UTC(2020, 1, 1));
    });
    it('parses month-name dates like `Jan 1 2000`, with or without a comma', () => {
      assert.equal(parse('MMM D YYYY', 'Jan 1 2000'), Date.UTC(2000, 0, 1));
      assert.equal(parse('MMM D YYYY', 'Dec 31 2009'), Date.UTC(2009, 11, 31));
      assert.equal(parse('MMM D YYYY', 'Dec 31, 2009'), Date.UTC(2009, 11, 31));
    });
    it('parses slash datetimes with minutes and seconds', () => {
      assert.equal(parse('YYYY/MM/DD HH:mm', '2001/01/01 06:55'), Date.UTC(2001, 0, 1, 6, 55));
      assert.equal(parse('YYYY/MM/DD HH:mm', '2001/01/01 06:55:09'), Date.UTC(2001, 0, 1, 6, 55, 9));
    });
    it('parses ISO datetimes with T or a space, seconds and fractions of a second, as UTC when there is no offset', () => {
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29T23:59'), Date.UTC(2020, 1, 29, 23, 59));
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29 23:59:58'), Date.UTC(2020, 1, 29, 23, 59, 58));
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29T23:59:58.5'), Date.UTC(2020, 1, 29, 23, 59, 58, 500));
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29T23:59:58.25'), Date.UTC(2020, 1, 29, 23, 59, 58, 250));
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29T23:59:58.125'), Date.UTC(2020, 1, 29, 23, 59, 58, 125));
    });
    it('applies a UTC offset: `Z` and `+02:00`', () => {
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29T23:59:58.5Z'), Date.UTC(2020, 1, 29, 23, 59, 58, 500));
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-03-01T01:00:00+02:00'), Date.UTC(2020, 1, 29, 23, 0, 0));
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29 18:30-05:30'), Date.UTC(2020, 2, 1, 0, 0, 0));
    });
    it('parses US and day-first slash dates', () => {
      assert.equal(parse('MM/DD/YYYY', '12/31/2020'), Date.UTC(2020, 11, 31));
      assert.equal(parse('MM/DD/YYYY', '1/2/2020'), Date.UTC(2020, 0, 2));
      assert.equal(parse('DD/MM/YYYY', '31/12/2020'), Date.UTC(2020, 11, 31));
      assert.equal(parse('DD/MM/YYYY', '1/2/2020'), Date.UTC(2020, 1, 1));
    });
  });
  describe('when a value is not a real date in the format', () => {
    it('rejects days past the end of the month and bad months', () => {
      assert.equal(parse('YYYY-MM-DD', '2015-02-30'), undefined);
      assert.equal(parse('YYYY-MM-DD', '2015-13-01'), undefined);
      assert.equal(parse('MMM D YYYY', 'Foo 1 2000'), undefined);
      assert.equal(parse('MM/DD/YYYY', '31/12/2020'), undefined);
      assert.equal(parse('DD/MM/YYYY', '12/31/2020'), undefined);
    });
    it('rejects text after the value, other separators and years of fewer than four digits', () => {
      assert.equal(parse('YYYY-MM-DD', '2012-01-01x'), undefined);
      assert.equal(parse('YYYY-MM-DD', '2012/01/01'), undefined);
      assert.equal(parse('YYYY-MM-DD', '1-2-3'), undefined);
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29T24:30'), undefined);
      assert.equal(parse('YYYY-MM-DDTHH:mm:ss', '2020-02-29'), undefined);
      assert.equal(parse('MM/DD/YYYY', '12/31/20'), undefined);
    });
  });
  describe('when looking a format up by name', () => {
    it('returns undefined for an unknown name', () => {
      assert.equal(dateFormat('YYYYMMDD'), undefined);
    });
  });
});
