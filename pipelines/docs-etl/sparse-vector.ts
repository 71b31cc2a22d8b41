/**
 * Vectors kept by their non-zero entries. A feature-hashed TF-IDF vector of
 * a chunk has at most one non-zero bucket per distinct token (a 500-character
 * chunk: ~80 of 1,024), so the `embed` stage's output, which every run
 * checkpoints, keeps only those: about a tenth of the dense bytes, small
 * enough for most pages' outputs to travel inline in the item journal
 * instead of a file of their own. The index
 * (LanceDB) takes the dense form.
 */

/** A vector by its non-zero entries. */
export interface SparseVector {
  /** Length of the dense vector. */
  readonly dimension: number;
  /** Positions of the non-zero entries, ascending (16 bits each while the dimension allows). */
  readonly indices: Uint16Array | Uint32Array;
  /** Their values, in the same order. */
  readonly values: Float32Array;
}

/** The non-zero entries of `vector`. */
export function toSparse(vector: Float32Array): SparseVector {
  let n = 0;
  for (const x of vector) if (x !== 0) n++;
  const indices = vector.length <= 0x10000 ? new Uint16Array(n) : new Uint32Array(n);
  const values = new Float32Array(n);
  let k = 0;
  for (let i = 0; i < vector.length; i++) {
    if (vector[i] !== 0) {
      indices[k] = i;
      values[k++] = vector[i]!;
    }
  }
  return { dimension: vector.length, indices, values };
}

/** The dense vector of `sparse`. */
export function toDense(sparse: SparseVector): Float32Array {
  const vector = new Float32Array(sparse.dimension);
  for (let k = 0; k < sparse.indices.length; k++) vector[sparse.indices[k]!] = sparse.values[k]!;
  return vector;
}
