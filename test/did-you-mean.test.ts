import assert from 'node:assert/strict';
import { closestMatch, didYouMean, editDistance } from '../src/did-you-mean';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('typng', 'typing'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  describe('when two neighbouring letters are swapped', () => {
    it('counts the swap as one edit', () => {
      assert.equal(editDistance('laod', 'load'), 1);
      assert.equal(editDistance('ab', 'ba'), 1);
      assert.equal(editDistance('statsitics', 'statistics'), 1);
    });
  });

  describe('when a swapped pair is edited again', () => {
    it('counts each edit (optimal string alignment, not full Damerau)', () => {
      assert.equal(editDistance('ca', 'abc'), 3);
      assert.equal(editDistance('abcd', 'badc'), 2);
    });
  });
});

describe('closestMatch', () => {
  const ids = ['load', 'typing', 'statistics', 'semantic'];

  describe('when a candidate is a likely typo', () => {
    it('returns the closest one', () => {
      assert.equal(closestMatch('typng', ids), 'typing');
      assert.equal(closestMatch('statistcs', ids), 'statistics');
    });
  });

  describe('when a short name has two letters swapped', () => {
    it('returns the candidate', () => {
      assert.equal(closestMatch('laod', ids), 'load');
      assert.equal(closestMatch('tpying', ids), 'typing');
    });
  });

  describe('when only the case differs', () => {
    it('returns that candidate', () => {
      assert.equal(closestMatch('LOAD', ids), 'load');
    });
  });

  describe('when nothing is close', () => {
    it('returns undefined', () => {
      assert.equal(closestMatch('report', ids), undefined);
      assert.equal(closestMatch('x', []), undefined);
    });
  });
});

describe('didYouMean', () => {
  it('phrases the suggestion, or gives an empty string', () => {
    assert.equal(didYouMean('typng', ['typing']), '; did you mean `typing`?');
    assert.equal(didYouMean('report', ['typing']), '');
  });
});
