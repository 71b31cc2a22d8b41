import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from '../../../src/run/run-pipeline';
import { openDurableStore, type DurableStore } from '../../../src/store/durable-store';
import { commitDocsChanges, DOCS_CHANGES, type DocsRepo } from '../../../pipelines/docs-etl/docs-repo';
import { searchIndex, type StoreOutput } from '../../../pipelines/docs-etl/store-stage';
import { ChunkStore } from '../../../pipelines/docs-etl/vector-store';
import { killHard, runScript, startScript, tempDir, waitForMarker } from '../../integration/fixtures/child';
import { docsEtlDefinition, exampleRepo, itemCounts, MALFORMED_PAGE, PER_PAGE, runDocsEtl } from './docs-etl-run';

const CHILD = path.join(__dirname, 'run-docs-child.ts');

/** Item counts with every field, zero unless given. */
function counts(given: Partial<Record<'total' | 'succeeded' | 'failed' | 'cached' | 'blocked' | 'skipped' | 'deleted', number>>): Record<string, number> {
  return { total: 0, succeeded: 0, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0, ...given };
}

/** The same counts for every per-page stage. */
function everyPage(given: Parameters<typeof counts>[0]): Record<string, unknown> {
  return Object.fromEntries(PER_PAGE.map((id) => [id, counts(given)]));
}

describe('pipelines/docs-etl.yaml', function () {
  this.timeout(180_000);
  const folders: string[] = [];
  const stores: DurableStore[] = [];
  const fresh = (): string => {
    const dir = tempDir('dagbook-docs-etl-');
    folders.push(dir);
    return dir;
  };
  const open = async (stateDir: string): Promise<DurableStore> => {
    const store = await openDurableStore({ stateDir, pipeline: 'docs-etl' });
    stores.push(store);
    return store;
  };
  const indexDir = (stateDir: string): string => path.join(stateDir, 'docs-etl', 'vector-index');
  after(async () => {
    for (const s of stores) await s.close();
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when the example repository is indexed, then 3 pages edited, 2 added and 1 deleted', () => {
    let stateDir: string;
    let repo: DocsRepo;
    let first: RunResult;
    let second: RunResult;
    let store: DurableStore;
    let firstIndex: { chunks: number; pagesWithoutChunks: string[] };
    before(async () => {
      stateDir = fresh();
      repo = exampleRepo(stateDir);
      store = await open(stateDir);
      first = await runDocsEtl(await docsEtlDefinition(), store);
      const table = await ChunkStore.open(indexDir(stateDir), 1024);
      try {
        const pagesWithoutChunks: string[] = [];
        for (const page of repo.pages) if ((await table.count(page)) === 0) pagesWithoutChunks.push(page);
        firstIndex = { chunks: await table.count(), pagesWithoutChunks };
      } finally {
        table.close();
      }
      commitDocsChanges(repo.dir);
      second = await runDocsEtl(await docsEtlDefinition(), store);
    });

    it('indexes every page on the first run', async () => {
      assert.equal(first.status, 'SUCCEEDED', first.reason);
      assert.deepEqual(itemCounts(first), everyPage({ total: 246, succeeded: 246 }));
      const out = (await store.getOutput(first.outputHashes.store)) as StoreOutput;
      assert.deepEqual([out.written.length, out.deleted, out.failed, out.documents], [246, [], {}, 246]);
      assert.deepEqual(firstIndex, { chunks: out.chunks, pagesWithoutChunks: [] });
    });

    it('reprocesses exactly the 5 edited and added pages after the commit, and removes the deleted page', async () => {
      assert.equal(second.status, 'SUCCEEDED', second.reason);
      assert.deepEqual(itemCounts(second), everyPage({ total: 247, succeeded: 5, cached: 242, deleted: 1 }));
      const out = (await store.getOutput(second.outputHashes.store)) as StoreOutput;
      assert.deepEqual(out.written, [...DOCS_CHANGES.edited, ...DOCS_CHANGES.added].sort());
      assert.deepEqual([out.deleted, out.documents], [[...DOCS_CHANGES.deleted], 247]);
    });

    it("leaves none of the deleted page's chunks in LanceDB", async () => {
      const table = await ChunkStore.open(indexDir(stateDir), 1024);
      try {
        assert.equal(await table.count('docs/custom_bundling.md'), 0);
        assert.ok((await table.count('docs/readme.md')) > 0);
      } finally {
        table.close();
      }
    });

    it("finds a page first for a query drawn from one of its headings", async () => {
      const hits = await searchIndex(indexDir(stateDir), 'Less vulnerable expression parser', 5);
      assert.deepEqual([hits[0]!.documentId, hits[0]!.heading], ['docs/expressions/security.md', 'Security > Security risks > Less vulnerable expression parser']);
    });
  });

  describe('when one page of the repository is malformed', () => {
    let stateDir: string;
    let result: RunResult;
    let store: DurableStore;
    before(async () => {
      stateDir = fresh();
      exampleRepo(stateDir, MALFORMED_PAGE);
      store = await open(stateDir);
      result = await runDocsEtl(await docsEtlDefinition(), store);
    });

    it('ends `enrich` PARTIAL with that page failed and the run PARTIAL', () => {
      assert.deepEqual([result.status, result.stages.enrich!.status, result.stages.store!.status], ['PARTIAL', 'PARTIAL', 'SUCCEEDED']);
      assert.deepEqual(result.stages.enrich!.items, counts({ total: 247, succeeded: 246, failed: 1 }));
      assert.deepEqual(result.stages.embed!.items, counts({ total: 247, succeeded: 247 }));
    });

    it('names the page and its error', async () => {
      const records = await store.readItemRecords('enrich');
      const failed = [...records.values()].filter((r) => r.status === 'FAILED');
      assert.deepEqual(failed.map((r) => [r.itemId, r.error?.code]), [['docs/zz-malformed.md', 'STAGE_VALIDATION_FAILED']]);
      assert.equal(failed[0]!.error?.message, 'Page docs/zz-malformed.md has invalid metadata: `title` must be a non-empty first heading, got `""`; `headings` must be at least one heading, got `0`');
    });

    it('indexes every other page', async () => {
      const out = (await store.getOutput(result.outputHashes.store)) as StoreOutput;
      assert.deepEqual([out.written.length, out.failed, out.documents], [246, { 'docs/zz-malformed.md': 'STAGE_VALIDATION_FAILED' }, 246]);
    });
  });

  describe('when the run is SIGKILLed in the middle of embedding and run again', () => {
    it('embeds on resume only the pages not embedded before the kill', async () => {
      const stateDir = fresh();
      exampleRepo(stateDir);
      const marker = path.join(stateDir, 'marker');
      const embedded = path.join(stateDir, 'embedded.txt');
      const killed = startScript(CHILD, ['--state-dir', stateDir, '--embedded', embedded, '--marker', marker, '--hang-at', '101']);
      await waitForMarker(killed, marker, 120_000);
      assert.equal((await killHard(killed)).signal, 'SIGKILL');
      const before = fs.readFileSync(embedded, 'utf8').split('\n').filter(Boolean);
      assert.equal(before.length, 100);

      const again = await runScript(CHILD, ['--state-dir', stateDir, '--embedded', embedded]);
      assert.equal(again.code, 0, again.stderr);
      const ended = JSON.parse(again.stdout.trim().split('\n').pop() as string) as { status: string; items: Record<string, unknown> };
      assert.equal(ended.status, 'SUCCEEDED');
      assert.deepEqual(ended.items.embed, counts({ total: 246, succeeded: 146, cached: 100 }));
      const after = fs.readFileSync(embedded, 'utf8').split('\n').filter(Boolean).slice(100);
      assert.equal(after.length, 146);
      assert.deepEqual(after.filter((id) => before.includes(id)), []);
    });
  });
});
