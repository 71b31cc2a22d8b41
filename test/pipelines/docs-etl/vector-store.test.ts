import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chunkSections, type Chunk } from '../../../pipelines/docs-etl/chunk';
import { fitHashedIdf, HashedTfidfEmbedder } from '../../../pipelines/docs-etl/embedder';
import { listDocuments, readBlob } from '../../../pipelines/docs-etl/git-source';
import { parseSections } from '../../../pipelines/docs-etl/markdown-sections';
import { ChunkStore, type StoredChunk } from '../../../pipelines/docs-etl/vector-store';
import { tempRepo } from './fixtures';

describe('ChunkStore', () => {
  let repo: string;
  let dbDir: string;
  let store: ChunkStore;
  let embedder: HashedTfidfEmbedder;
  let chunks: Chunk[];

  before(async function () {
    this.timeout(30_000);
    repo = tempRepo();
    dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-lance-'));
    chunks = [];
    for (const doc of await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs' })) {
      chunks.push(...chunkSections(doc.id, parseSections(await readBlob(repo, doc.hash))));
    }
    embedder = new HashedTfidfEmbedder(fitHashedIdf(chunks.map((c) => c.text), 1024), 'test');
    const { vectors } = await embedder.embed(chunks.map((c) => c.text));
    store = await ChunkStore.open(dbDir, embedder.dimension);
    await store.upsert(chunks.map((c, i): StoredChunk => ({ ...c, title: c.heading.split(' > ')[0]!, vector: vectors[i]! })));
  });
  after(() => {
    store.close();
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(dbDir, { recursive: true, force: true });
  });

  describe('when every page is indexed', () => {
    it('holds one row per chunk', async () => {
      assert.deepEqual(chunks.map((c) => c.id), ['docs/matrices.md#0', 'docs/matrices.md#1', 'docs/reference/random.md#0', 'docs/units.md#0', 'docs/units.md#1']);
      assert.equal(await store.count(), 5);
    });
    it('finds the page of a heading first for a query drawn from that heading', async () => {
      const { vectors: [q] } = await embedder.embed(['temperature']);
      const hits = await store.search(q!, 3);
      assert.equal(hits[0]!.id, 'docs/units.md#1');
      assert.equal(hits[0]!.heading, 'Units > Temperature');
      assert.equal(hits[0]!.title, 'Units');
      assert.ok(hits[0]!.distance < hits[1]!.distance, `${hits[0]!.distance} < ${hits[1]!.distance}`);
    });
  });

  describe('when a chunk id is upserted again', () => {
    it('overwrites the row instead of adding one', async () => {
      const { vectors: [v] } = await embedder.embed(['Random numbers\n\nChanged.']);
      await store.upsert([{ id: 'docs/reference/random.md#0', documentId: 'docs/reference/random.md', ordinal: 0, title: 'Random numbers', heading: 'Random numbers', text: 'Random numbers\n\nChanged.', vector: v! }]);
      assert.equal(await store.count(), 5);
      assert.equal((await store.search(v!, 1))[0]!.text, 'Random numbers\n\nChanged.');
    });
  });

  describe('when a document is deleted', () => {
    it('removes all its chunks and only those', async () => {
      await store.deleteDocuments(['docs/units.md']);
      assert.deepEqual([await store.count('docs/units.md'), await store.count()], [0, 3]);
      const { vectors: [q] } = await embedder.embed(['temperature']);
      assert.deepEqual((await store.search(q!, 10)).map((h) => h.documentId).includes('docs/units.md'), false);
    });
  });

  describe('when the folder is opened again', () => {
    it('reads the rows written before', async () => {
      const again = await ChunkStore.open(dbDir, embedder.dimension);
      try {
        assert.equal(await again.count(), 3);
      } finally {
        again.close();
      }
    });
  });
});
