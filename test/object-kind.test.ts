import { strict as assert } from 'node:assert';
import * as vm from 'node:vm';
import { isPlainObject, isRecord, ownConstructorName } from '../src/object-kind';

class Point {
  x = 1;
}

describe('object kind', () => {
  describe('isRecord', () => {
    describe('when given objects', () => {
      it('is true for any object but an array', () => {
        assert.deepEqual([{}, Object.create(null), new Point(), new Map()].map(isRecord), [true, true, true, true]);
      });
    });

    describe('when given arrays and non-objects', () => {
      it('is false', () => {
        assert.deepEqual([[], null, undefined, 'a', 1, () => 1].map(isRecord), [false, false, false, false, false, false]);
      });
    });
  });

  describe('isPlainObject', () => {
    describe('when given object literals', () => {
      it('is true, with a null prototype too', () => {
        assert.deepEqual([{}, { a: 1 }, Object.create(null)].map(isPlainObject), [true, true, true]);
      });
    });

    describe('when given an object literal of another realm', () => {
      it('is true', () => {
        assert.equal(isPlainObject(vm.runInNewContext('({ a: 1 })')), true);
      });
    });

    describe('when given instances, arrays and non-objects', () => {
      it('is false', () => {
        assert.deepEqual([new Point(), new Map(), new Date(0), [], Object.create({}), null, 'a'].map(isPlainObject), [false, false, false, false, false, false, false]);
      });
    });
  });

  describe('ownConstructorName', () => {
    describe('when the prototype has its own named constructor', () => {
      it('is its name', () => {
        assert.equal(ownConstructorName(Point.prototype), 'Point');
      });
    });

    describe('when it has none of its own', () => {
      it('is undefined', () => {
        assert.equal(ownConstructorName(Object.create(Point.prototype)), undefined);
      });
    });
  });
});
