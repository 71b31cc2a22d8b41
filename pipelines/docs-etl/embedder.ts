/**
 * Text to fixed-length vectors. The interface is what a real embedding API
 * would implement (batched, async, with the token count each call used so a
 * budget policy can charge it); {@link HashedTfidfEmbedder} is the local one
 * this example ships because no model weights can be downloaded here.
 */

/** The vectors of one batch and what it cost. */
export interface Embedding {
  /** One vector per input text, in input order, each of length {@link Embedder.dimension}. */
  readonly vectors: Float32Array[];
  /** Tokens consumed by the call (what an API would bill). */
  readonly tokens: number;
}

/** Something that embeds text. */
export interface Embedder {
  /** Name and version of the model: a change means every stored vector is stale. */
  readonly model: string;
  /** Length of every vector. */
  readonly dimension: number;
  /** Embeds a batch of texts. */
  embed(texts: readonly string[]): Promise<Embedding>;
}

/** Lower-cased runs of letters and digits: the tokens of the lexical embedder. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Inverse document frequencies over hashed buckets, fitted on a corpus:
 * `idf[b] = ln((1 + n) / (1 + df[b])) + 1` (the smoothed form of
 * scikit-learn), where `df[b]` counts the texts holding a token of bucket `b`.
 */
export function fitHashedIdf(corpus: readonly string[], dimension: number): Float32Array {
  const df = new Uint32Array(dimension);
  for (const text of corpus) {
    const seen = new Set<number>();
    for (const token of tokenize(text)) seen.add(fnv1a(token) % dimension);
    for (const bucket of seen) df[bucket]! += 1;
  }
  const idf = new Float32Array(dimension);
  for (let b = 0; b < dimension; b++) idf[b] = Math.log((1 + corpus.length) / (1 + df[b]!)) + 1;
  return idf;
}

/**
 * Feature-hashed TF-IDF: a lexical embedder, not a semantic one. Each token
 * adds to bucket `hash(token) mod dimension` with a sign from another hash
 * bit (so collisions cancel on average), term frequency is damped as
 * `1 + ln(count)`, weighted by the fitted IDF, and the vector is L2-normalised,
 * so a dot product is the cosine similarity. It matches words, not meaning:
 * synonyms do not meet. The IDF is fixed when fitted; refitting changes the
 * model name, as every stored vector then needs recomputing. Tokens counted
 * are the tokens of {@link tokenize}.
 */
export class HashedTfidfEmbedder implements Embedder {
  readonly model: string;
  readonly dimension: number;
  private readonly idf: Float32Array;

  /**
   * @param idf IDF per bucket from {@link fitHashedIdf}; its length is the dimension.
   * @param version Names the fit (for instance a hash of the corpus), part of {@link model}.
   */
  constructor(idf: Float32Array, version: string) {
    this.idf = idf;
    this.dimension = idf.length;
    this.model = `hashed-tfidf-${idf.length}@${version}`;
  }

  /** Embeds one text; returns the vector and its token count. */
  embedOne(text: string): { vector: Float32Array; tokens: number } {
    const tokens = tokenize(text);
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const vector = new Float32Array(this.dimension);
    for (const [token, count] of counts) {
      const h = fnv1a(token);
      const bucket = h % this.dimension;
      const sign = (fnv1a(`#${token}`) & 1) === 0 ? 1 : -1;
      vector[bucket]! += sign * (1 + Math.log(count)) * this.idf[bucket]!;
    }
    let norm = 0;
    for (const x of vector) norm += x * x;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < vector.length; i++) vector[i]! *= inv;
    }
    return { vector, tokens: tokens.length };
  }

  /** Embeds a batch; `tokens` is the sum over the batch. */
  async embed(texts: readonly string[]): Promise<Embedding> {
    const vectors: Float32Array[] = [];
    let tokens = 0;
    for (const text of texts) {
      const one = this.embedOne(text);
      vectors.push(one.vector);
      tokens += one.tokens;
    }
    return { vectors, tokens };
  }
}
