import assert from 'node:assert/strict';
import { chunkSections, windows } from '../../../pipelines/docs-etl/chunk';

describe('windows', () => {
  describe('when the text fits', () => {
    it('returns it whole', () => {
      assert.deepEqual(windows('one two', 10, 3), ['one two']);
    });
  });
  describe('when the text is longer than the size', () => {
    it('cuts at whitespace and repeats the overlap', () => {
      assert.deepEqual(windows('aaaa bbbb cccc dddd', 10, 4), ['aaaa bbbb', 'bbbb cccc', 'cccc dddd']);
    });
    it('cuts mid-word when there is no whitespace in the second half', () => {
      assert.deepEqual(windows('abcdefghij', 4, 1), ['abcd', 'defg', 'ghij']);
    });
  });
});

describe('chunkSections', () => {
  describe('when sections are short', () => {
    it('makes one chunk per section, prefixed with its heading trail, ids by ordinal', () => {
      const chunks = chunkSections('docs/a.md', [
        { headings: [], depth: 0, text: 'Lead.' },
        { headings: ['A', 'B'], depth: 2, text: 'Body.' },
        { headings: ['C'], depth: 1, text: '' },
      ]);
      assert.deepEqual(chunks, [
        { id: 'docs/a.md#0', documentId: 'docs/a.md', ordinal: 0, heading: '', text: 'Lead.' },
        { id: 'docs/a.md#1', documentId: 'docs/a.md', ordinal: 1, heading: 'A > B', text: 'A > B\n\nBody.' },
        { id: 'docs/a.md#2', documentId: 'docs/a.md', ordinal: 2, heading: 'C', text: 'C' },
      ]);
    });
  });
  describe('when a section is longer than the default 500 characters', () => {
    it('cuts it into overlapping windows of at most 500 characters', () => {
      const words = Array.from({ length: 200 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' '); // 999 characters
      const chunks = chunkSections('d.md', [{ headings: ['H'], depth: 1, text: words }]);
      const bodies = chunks.map((c) => c.text.slice('H\n\n'.length));
      assert.deepEqual(bodies.map((b) => b.length), [499, 499, 199]);
      assert.equal(bodies[1]!.slice(0, 99), bodies[0]!.slice(-99));
    });
  });
  describe('when the options are out of range', () => {
    it('names the field and the value', () => {
      assert.throws(() => chunkSections('d.md', [], { size: 100, overlap: 100 }), { message: 'Expected `overlap` to be an integer in [0, 100), got `100`' });
      assert.throws(() => chunkSections('d.md', [], { size: 0 }), { message: 'Expected `size` to be an integer >= 1, got `0`' });
    });
  });
});
