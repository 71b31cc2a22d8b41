import assert from 'node:assert/strict';
import { toDense, toSparse } from '../../../pipelines/docs-etl/sparse-vector';

describe('sparse-vector', () => {
  describe('when a vector has zeros', () => {
    it('keeps the positions and values of the others, and densifies back to the same vector', () => {
      const dense = Float32Array.from([0, 0.5, 0, -0.25, 0, 0]);
      const sparse = toSparse(dense);
      assert.deepEqual([sparse.dimension, Array.from(sparse.indices), Array.from(sparse.values)], [6, [1, 3], [0.5, -0.25]]);
      assert.deepEqual(Array.from(toDense(sparse)), [0, 0.5, 0, -0.25, 0, 0]);
    });
  });

  describe('when a vector is all zeros', () => {
    it('has no entries', () => {
      assert.deepEqual(Array.from(toSparse(new Float32Array(4)).indices), []);
    });
  });
});
