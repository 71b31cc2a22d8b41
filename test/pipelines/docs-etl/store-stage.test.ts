import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasErrorCode } from '../../../src/errors';
import { discover, fit, type FitOutput, type PageItem } from '../../../pipelines/docs-etl/stages';
import { searchIndex, store } from '../../../pipelines/docs-etl/store-stage';
import { tempRepo } from './fixtures';
import { pageOutputs, pageSet, stageContext, type PageOutputs } from './stage-context';

describe('store-stage', () => {
  const params = { repo: 'repo', branch: 'main', folder: 'docs', ref: 'main', dimension: 256, size: 500, overlap: 100 };
  let stateDir: string;
  let items: PageItem[];
  let fitted: FitOutput;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-docs-store-'));
    fs.renameSync(tempRepo(), path.join(stateDir, 'repo'));
    items = await discover(stageContext('discover', stateDir, params));
    fitted = await fit(stageContext('fit', stateDir, params));
  });
  after(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('store', () => {
    const index = 'vector-index';
    let pages: Record<string, PageOutputs>;
    before(async () => {
      pages = {};
      for (const item of items) pages[item.id] = await pageOutputs(stateDir, params, fitted, item);
    });
    const sets = (ids: string[], changed: string[], deleted: string[] = []) => ({
      chunk: pageSet(Object.fromEntries(ids.map((id) => [id, pages[id]!.chunk])), changed, deleted),
      embed: pageSet(Object.fromEntries(ids.map((id) => [id, pages[id]!.embed])), changed, deleted),
      enrich: pageSet(Object.fromEntries(ids.map((id) => [id, pages[id]!.enrich])), changed, deleted),
      fit: fitted,
    });

    describe('when every page is new', () => {
      it('writes every page and a query drawn from a heading finds that page first', async () => {
        const ids = Object.keys(pages);
        const out = await store(stageContext('store', stateDir, params), sets(ids, ids));
        assert.deepEqual(out, { model: fitted.model, written: ids, deleted: [], failed: {}, documents: 3, chunks: 5 });
        const hits = await searchIndex(path.join(stateDir, index), 'temperature', 3);
        assert.deepEqual([hits[0]!.documentId, hits[0]!.title, hits[0]!.heading], ['docs/units.md', 'Units', 'Units > Temperature']);
      });
    });

    describe('when one page changed and one is gone', () => {
      it('rewrites only the changed page and deletes every chunk of the gone one', async () => {
        const matrices = pages['docs/matrices.md']!;
        const input = sets(['docs/matrices.md', 'docs/reference/random.md'], ['docs/matrices.md'], ['docs/units.md']);
        const out = await store(stageContext('store', stateDir, params), {
          ...input,
          chunk: { ...input.chunk, outputs: { ...input.chunk.outputs, 'docs/matrices.md': { ...matrices.chunk, chunks: matrices.chunk.chunks.slice(0, 1) } } },
          embed: { ...input.embed, outputs: { ...input.embed.outputs, 'docs/matrices.md': { ...matrices.embed, vectors: matrices.embed.vectors.slice(0, 1) } } },
        });
        assert.deepEqual(out, { model: fitted.model, written: ['docs/matrices.md'], deleted: ['docs/units.md'], failed: {}, documents: 2, chunks: 2 });
        const hits = await searchIndex(path.join(stateDir, index), 'temperature', 10);
        assert.deepEqual(hits.map((h) => h.id).sort(), ['docs/matrices.md#0', 'docs/reference/random.md#0']);
      });
    });
  });

  describe("when the embedder's model changed since the index was written", () => {
    it('rebuilds the table from every page, changed or not, in the new dimension', async () => {
      const refit = await fit(stageContext('fit', stateDir, { ...params, dimension: 128 }));
      const ids = items.map((i) => i.id);
      const outputs: Record<string, PageOutputs> = {};
      for (const item of items) outputs[item.id] = await pageOutputs(stateDir, params, refit, item);
      const set = <K extends 'chunk' | 'embed' | 'enrich'>(k: K) => pageSet(Object.fromEntries(ids.map((id) => [id, outputs[id]![k]])), []);
      const out = await store(stageContext('store', stateDir, params), { chunk: set('chunk'), embed: set('embed'), enrich: set('enrich'), fit: refit });
      assert.deepEqual([out.model, out.written, out.documents, out.chunks], ['hashed-tfidf-128@' + refit.version, ids, 3, 5]);
      const hits = await searchIndex(path.join(stateDir, 'vector-index'), 'temperature', 1);
      assert.equal(hits[0]!.id, 'docs/units.md#1');
    });
  });

  describe('searchIndex', () => {
    describe('when no index was written', () => {
      it('rejects with OUTPUT_MISSING naming the folder', async () => {
        const dir = path.join(stateDir, 'nothing');
        await assert.rejects(searchIndex(dir, 'x'), (e: unknown) => hasErrorCode(e, 'OUTPUT_MISSING') && e.message === `No index at ${dir}: run the pipeline's \`store\` stage first`);
      });
    });
  });
});
