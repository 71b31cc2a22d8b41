import assert from 'node:assert/strict';
import { fitHashedIdf, HashedTfidfEmbedder, tokenize } from '../../../pipelines/docs-etl/embedder';

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('tokenize', () => {
  describe('when text mixes case, punctuation and digits', () => {
    it('returns lower-cased letter and digit runs', () => {
      assert.deepEqual(tokenize('Math.matrix([1, 2]) — Größe!'), ['math', 'matrix', '1', '2', 'größe']);
    });
  });
});

describe('HashedTfidfEmbedder', () => {
  const corpus = ['matrices resize subset', 'units convert meters', 'random numbers uniform'];
  const embedder = new HashedTfidfEmbedder(fitHashedIdf(corpus, 256), 'v1');

  describe('when embedding a batch', () => {
    it('returns L2-normalised vectors of the fixed dimension and the token count', async () => {
      const { vectors, tokens } = await embedder.embed(['Matrices resize', 'units units convert', '']);
      assert.equal(embedder.model, 'hashed-tfidf-256@v1');
      assert.deepEqual(vectors.map((v) => v.length), [256, 256, 256]);
      assert.deepEqual(vectors.map((v) => Math.round(dot(v, v) * 1e6) / 1e6), [1, 1, 0]);
      assert.equal(tokens, 5);
    });
  });

  describe('when texts share words', () => {
    it('scores them closer than texts that do not', async () => {
      const { vectors: [q, a, b] } = await embedder.embed(['resize a matrix', 'matrix resize subset', 'units convert meters']);
      assert.ok(dot(q!, a!) > 0.5, `similar: ${dot(q!, a!)}`);
      assert.equal(Math.abs(dot(q!, b!)) < 0.1, true, `different: ${dot(q!, b!)}`);
    });
  });

  describe('when fitting', () => {
    it('weights a bucket seen in every text at 1 and an unseen one at ln(n+1)+1', () => {
      const idf = fitHashedIdf(['a b', 'a'], 1);
      assert.deepEqual(Array.from(idf), [Math.fround(1)]);
      assert.equal(fitHashedIdf(['x'], 4096).filter((w) => w === Math.fround(Math.log(2) + 1)).length, 4095);
    });
  });
});
