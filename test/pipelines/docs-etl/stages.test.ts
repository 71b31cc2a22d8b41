import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasErrorCode } from '../../../src/errors';
import { chunk, discover, embed, enrich, fit, type EmbedOutput, type FitOutput, type PageItem, type ParseOutput } from '../../../pipelines/docs-etl/stages';
import { gitIn, tempRepo } from './fixtures';
import { pageOutputs, stageContext, type PageOutputs } from './stage-context';

describe('document ETL stages', () => {
  const params = { repo: 'repo', branch: 'main', folder: 'docs', ref: 'main', dimension: 256, size: 500, overlap: 100 };
  let stateDir: string;
  let items: PageItem[];
  let fitted: FitOutput;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-docs-stages-'));
    fs.renameSync(tempRepo(), path.join(stateDir, 'repo'));
    items = await discover(stageContext('discover', stateDir, params));
    fitted = await fit(stageContext('fit', stateDir, params));
  });
  after(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('discover', () => {
    describe('when the folder holds markdown pages and other files', () => {
      it('returns one item per page: id and payload path the repository path, hash and payload blob the blob hash', () => {
        const blob = gitIn(path.join(stateDir, 'repo'), ['rev-parse', 'main:docs/units.md']).trim();
        assert.deepEqual(items.map((i) => i.id), ['docs/matrices.md', 'docs/reference/random.md', 'docs/units.md']);
        assert.deepEqual(items[2], { id: 'docs/units.md', hash: blob, payload: { path: 'docs/units.md', blob } });
      });
    });
  });

  describe('parse, chunk, embed and enrich', () => {
    let units: PageOutputs;
    before(async () => {
      units = await pageOutputs(stateDir, params, fitted, items[2]!);
    });

    it('parses the page into its sections and takes its first heading as title', () => {
      assert.equal(units.parse.title, 'Units');
      assert.deepEqual(units.parse.sections.map((s) => s.headings), [['Units'], ['Units', 'Temperature']]);
    });

    it('chunks it by heading', () => {
      assert.deepEqual(units.chunk.chunks.map((c) => [c.id, c.heading]), [['docs/units.md#0', 'Units'], ['docs/units.md#1', 'Units > Temperature']]);
    });

    it('embeds every chunk with the fitted model and charges its tokens to the `tokens` budget', async () => {
      const ctx = stageContext('embed', stateDir, params, items[2]);
      const embedded = await embed(ctx, { chunk: units.chunk, fit: fitted });
      assert.equal(fitted.model, `hashed-tfidf-256@${fitted.commit.slice(0, 12)}/docs`);
      assert.deepEqual(embedded.vectors.map((v) => [v.dimension, v.indices.length]), [[256, 9], [256, 7]]);
      assert.equal(embedded.tokens, 18);
      assert.deepEqual(ctx.usages, [['tokens', 18]]);
    });

    it('enriches it with metadata that passes the schema', () => {
      assert.deepEqual(units.enrich, {
        documentId: 'docs/units.md', title: 'Units', section: '', blob: items[2]!.hash, headings: 2, chunks: 2, words: 17, model: fitted.model,
      });
    });
  });

  describe('enrich', () => {
    describe('when a page has no heading', () => {
      it('fails its item with STAGE_VALIDATION_FAILED naming the page, the field and the value, not to be retried', async () => {
        const parsed: ParseOutput = { path: 'docs/broken.md', blob: 'a'.repeat(40), title: '', sections: [{ headings: [], depth: 0, text: 'no heading here' }] };
        const embedded: EmbedOutput = { path: 'docs/broken.md', model: fitted.model, tokens: 3, vectors: [] };
        assert.throws(
          () => enrich(stageContext('enrich', stateDir, params), { parse: parsed, embed: embedded }),
          (e: unknown) => {
            assert.ok(hasErrorCode(e, 'STAGE_VALIDATION_FAILED'));
            assert.equal(e.message, 'Page docs/broken.md has invalid metadata: `title` must be a non-empty first heading, got `""`; `headings` must be at least one heading, got `0`; `chunks` must be at least one chunk, got `0`');
            assert.deepEqual([e.errorClass, e.stageId, e.data.documentId], ['persistent', 'enrich', 'docs/broken.md']);
            return true;
          },
        );
      });
    });
  });

});

