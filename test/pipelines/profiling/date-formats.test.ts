import assert from 'node:assert/strict';
import { dateFormat } from '../../../pipelines/profiling/date-formats';

describe('date-formats', () => {
  describe('when a value matches a format', () => {
    it('parses ISO dates to UTC midnight', () => {
      assert.equal(dateFormat('YYYY-MM-DD')!.parse('2012-01-01'), Date.UTC(2012, 0, 1));
    });
    it('parses month-name dates like `Jan 1 2000`', () => {
      assert.equal(dateFormat('MMM D YYYY')!.parse('Jan 1 2000'), Date.UTC(2000, 0, 1));
      assert.equal(dateFormat('MMM D YYYY')!.parse('Dec 31 2009'), Date.UTC(2009, 11, 31));
    });
    it('parses slash datetimes with minutes', () => {
      assert.equal(dateFormat('YYYY/MM/DD HH:mm')!.parse('2001/01/01 06:55'), Date.UTC(2001, 0, 1, 6, 55));
    });
    it('parses ISO datetimes with seconds and milliseconds', () => {
      assert.equal(dateFormat('YYYY-MM-DDTHH:mm:ss')!.parse('2020-02-29T23:59:58.5Z'), Date.UTC(2020, 1, 29, 23, 59, 58, 500));
    });
  });
  describe('when a value is not a real date', () => {
    it('rejects days past the end of the month and bad months', () => {
      assert.equal(dateFormat('YYYY-MM-DD')!.parse('2015-02-30'), undefined);
      assert.equal(dateFormat('YYYY-MM-DD')!.parse('2015-13-01'), undefined);
      assert.equal(dateFormat('MMM D YYYY')!.parse('Foo 1 2000'), undefined);
    });
  });
});
