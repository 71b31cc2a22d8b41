import * as path from 'node:path';
import type { ItemSet, StageContext, StageInputs } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { readIndexModel, writeIndexModel } from './index-model';
import type { DocumentMetadata } from './metadata';
import { toDense } from './sparse-vector';
import { embedderOf, input, type ChunkOutput, type EmbedOutput, type FitOutput } from './stages';
import { ChunkStore, type ChunkHit } from './vector-store';

/**
 * The document ETL's index: the reduce stage `store` (`fn:
 * ./docs-etl/store-stage.ts#store`), which writes the pages' chunks into a
 * LanceDB table in the pipeline's state folder, and {@link searchIndex},
 * which answers a query from it. Apart from the per-page stages
 * (`stages.ts`) so that their code identity does not hold this module's.
 */

/** Output of `store`. */
export interface StoreOutput {
  readonly model: string;
  /** Pages whose chunks were written in this run. */
  readonly written: readonly string[];
  /** Pages whose chunks were deleted (gone from the repository). */
  readonly deleted: readonly string[];
  /** Pages not indexed in this run because a stage failed for them, with the error code. */
  readonly failed: Readonly<Record<string, string>>;
  /** Pages in the index. */
  readonly documents: number;
  /** Chunks in the index. */
  readonly chunks: number;
}

/** A search hit. */
export type SearchHit = ChunkHit;

/** Folder of the LanceDB index in the pipeline's state folder. */
export const INDEX_FOLDER = 'vector-index';

/**
 * Reduce (deps `chunk`, `embed`, `enrich`, `fit`): writes the index in `<state>/<index>` (param `index`, default
 * `vector-index`). The chunks of every page whose embedding or metadata
 * changed since this stage last succeeded are replaced (the page's old
 * chunks deleted first, as an edit can leave it fewer); the chunks of pages
 * gone from the repository are deleted. A page that failed upstream keeps
 * what it had in the index (it may be a passing failure; `failed` lists it).
 * When the embedder's model differs from the index's, the table is rebuilt
 * from every page.
 */
export async function store(ctx: StageContext, inputs: StageInputs): Promise<StoreOutput> {
  const chunked = input<ItemSet<ChunkOutput>>(ctx, inputs, 'chunk');
  const embedded = input<ItemSet<EmbedOutput>>(ctx, inputs, 'embed');
  const enriched = input<ItemSet<DocumentMetadata>>(ctx, inputs, 'enrich');
  const fitted = input<FitOutput>(ctx, inputs, 'fit');
  const dir = path.resolve(ctx.stateDir ?? process.cwd(), typeof ctx.params.index === 'string' ? ctx.params.index : INDEX_FOLDER);
  const indexed = Object.keys(enriched.outputs).filter((id) => embedded.outputs[id] !== undefined && chunked.outputs[id] !== undefined);
  const rebuild = (await readIndexModel(dir))?.model !== fitted.model;
  const changed = new Set([...chunked.changed, ...embedded.changed, ...enriched.changed]);
  const written = rebuild ? indexed : indexed.filter((id) => changed.has(id));
  const deleted = [...new Set([...chunked.deleted, ...embedded.deleted, ...enriched.deleted])].sort();
  const table = await ChunkStore.open(dir, fitted.dimension, 'chunks', rebuild);
  try {
    await table.deleteDocuments([...deleted, ...written]);
    const rows = written.flatMap((id) => {
      const { chunks } = chunked.outputs[id]!;
      const { vectors } = embedded.outputs[id]!;
      if (vectors.length !== chunks.length) {
        throw new DagbookError('STAGE_FAILED', `Page ${id} has ${chunks.length} chunks but ${vectors.length} vectors: \`embed\` ran on other chunks than \`chunk\` holds`, { stageId: ctx.stageId, errorClass: 'logic', data: { documentId: id } });
      }
      return chunks.map((c, i) => ({ ...c, title: enriched.outputs[id]!.title, vector: toDense(vectors[i]!) }));
    });
    await table.upsert(rows);
    if (rebuild) await writeIndexModel(dir, { model: fitted.model, version: fitted.version, idf: Array.from(fitted.idf) });
    const failed = Object.fromEntries(Object.entries({ ...chunked.failed, ...embedded.failed, ...enriched.failed }).map(([id, e]) => [id, e.code]));
    return { model: fitted.model, written, deleted, failed, documents: await table.countDocuments(), chunks: await table.count() };
  } finally {
    table.close();
  }
}

/**
 * The `k` chunks nearest to `query` in the index at `indexDir` (the `store`
 * stage's folder: `<state folder>/docs-etl/vector-index`), nearest first.
 * @throws DagbookError `OUTPUT_MISSING` when no index was written there.
 */
export async function searchIndex(indexDir: string, query: string, k = 5): Promise<SearchHit[]> {
  const model = await readIndexModel(indexDir);
  if (model === undefined) throw new DagbookError('OUTPUT_MISSING', `No index at ${indexDir}: run the pipeline's \`store\` stage first`, { data: { indexDir } });
  const embedder = embedderOf({ model: model.model, idf: Float32Array.from(model.idf), version: model.version });
  const { vectors } = await embedder.embed([query]);
  const table = await ChunkStore.open(indexDir, embedder.dimension);
  try {
    return await table.search(vectors[0]!, k);
  } finally {
    table.close();
  }
}
