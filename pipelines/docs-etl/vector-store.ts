import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from 'apache-arrow';

/**
 * Chunks and their vectors in a LanceDB table on a folder: upsert by chunk id
 * (a merge-insert, so re-running a document overwrites rather than
 * duplicates), delete every chunk of a document, and top-k search by cosine
 * distance. Columns are snake_case because LanceDB filters are SQL, where
 * upper-case names would need quoting. This is the only module that imports
 * LanceDB.
 */

/** One stored chunk. */
export interface StoredChunk {
  /** Chunk id (`<documentId>#<ordinal>`). */
  readonly id: string;
  /** Document the chunk belongs to. */
  readonly documentId: string;
  /** Position in the document, from 0. */
  readonly ordinal: number;
  /** Title of the document (its first heading). */
  readonly title: string;
  /** Heading trail. */
  readonly heading: string;
  /** Chunk text. */
  readonly text: string;
  /** Embedding, of the store's dimension. */
  readonly vector: Float32Array;
}

/** A search hit: the chunk without its vector, and its cosine distance to the query, 0 (same direction) to 2. */
export type ChunkHit = Omit<StoredChunk, 'vector'> & { readonly distance: number };

/** Quotes `s` as a SQL string literal. */
function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The chunk table of one LanceDB folder. */
export class ChunkStore {
  private constructor(private readonly table: lancedb.Table, /** Vector length. */ readonly dimension: number) {}

  /**
   * Opens (creating when absent) table `name` in the LanceDB folder `dir`;
   * with `recreate`, an existing table is dropped first (its vectors are of
   * another model).
   */
  static async open(dir: string, dimension: number, name = 'chunks', recreate = false): Promise<ChunkStore> {
    const db = await lancedb.connect(dir);
    const schema = new Schema([
      new Field('id', new Utf8(), false),
      new Field('doc_id', new Utf8(), false),
      new Field('ordinal', new Int32(), false),
      new Field('title', new Utf8(), false),
      new Field('heading', new Utf8(), false),
      new Field('text', new Utf8(), false),
      new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
    ]);
    let exists = (await db.tableNames()).includes(name);
    if (exists && recreate) {
      await db.dropTable(name);
      exists = false;
    }
    const table = exists ? await db.openTable(name) : await db.createEmptyTable(name, schema);
    return new ChunkStore(table, dimension);
  }

  /** Inserts new chunks and overwrites those whose id is already stored. */
  async upsert(chunks: readonly StoredChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const rows = chunks.map((c) => ({ id: c.id, doc_id: c.documentId, ordinal: c.ordinal, title: c.title, heading: c.heading, text: c.text, vector: Array.from(c.vector) }));
    await this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
  }

  /** Deletes every chunk of these documents. */
  async deleteDocuments(documentIds: readonly string[]): Promise<void> {
    if (documentIds.length === 0) return;
    await this.table.delete(`doc_id IN (${documentIds.map(sqlString).join(', ')})`);
  }

  /** Number of chunks stored, of one document when given. */
  count(documentId?: string): Promise<number> {
    return this.table.countRows(documentId === undefined ? undefined : `doc_id = ${sqlString(documentId)}`);
  }

  /** Number of documents with chunks stored. */
  async countDocuments(): Promise<number> {
    const rows = await this.table.query().select(['doc_id']).toArray();
    return new Set(rows.map((r: Record<string, unknown>) => String(r.doc_id))).size;
  }

  /** The `k` chunks nearest to `vector` by cosine distance, nearest first. */
  async search(vector: Float32Array, k: number): Promise<ChunkHit[]> {
    const rows = await this.table.vectorSearch(Array.from(vector)).distanceType('cosine').limit(k).select(['id', 'doc_id', 'ordinal', 'title', 'heading', 'text', '_distance']).toArray();
    return rows.map((r: Record<string, unknown>) => ({
      id: String(r.id),
      documentId: String(r.doc_id),
      ordinal: Number(r.ordinal),
      title: String(r.title),
      heading: String(r.heading),
      text: String(r.text),
      distance: Number(r._distance),
    }));
  }

  /** Releases the table handle. */
  close(): void {
    this.table.close();
  }
}
