import * as path from 'node:path';
import type { Item, ItemSet, StageContext, StageInputs } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { chunkSections, type Chunk } from './chunk';
import { fitHashedIdf, HashedTfidfEmbedder, tokenize } from './embedder';
import { listDocuments, readBlob, readBlobs, resolveCommit } from './git-source';
import { ChunkStore, type ChunkHit } from './vector-store';
import { parseSections, type MarkdownSection } from './markdown-sections';
import { toDense, toSparse, type SparseVector } from './sparse-vector';
import { validateMetadata, type DocumentMetadata } from './metadata';
import { readIndexModel, writeIndexModel } from './index-model';

/**
 * The document ETL as dagbook stages (`fn: ./docs-etl/stages.ts#discover` in
 * `pipelines/docs-etl.yaml`): `discover` lists the markdown pages of a git
 * repository at a branch and folder (the items: id = path, hash = blob
 * hash); per page `parse` -> `chunk` -> `embed` -> `enrich`; the ordinary
 * stage `fit` fixes the embedder's IDF on the repository at a tag; the reduce
 * stage `store` writes the chunks of changed pages into a LanceDB table in
 * the pipeline's state folder and deletes those of pages gone from the
 * repository. {@link searchIndex} answers a query from that table.
 *
 * The IDF is fitted once, on the pages at a fixed ref, not on every run's
 * corpus: refitting would change every vector, so one edited page would
 * re-embed them all. Like a real model, the embedder is fixed until its fit
 * (the `fit` stage's params) changes, and then every page re-embeds.
 */

/** The payload of a discovered page. */
export interface PagePayload {
  /** Repository path (the item id). */
  readonly path: string;
  /** Git blob hash (the item hash). */
  readonly blob: string;
}

/** A discovered page, as the engine passes it to a per-item stage (`ctx.item`). */
export type PageItem = Item<PagePayload>;

/** Output of `parse`. */
export interface ParseOutput {
  readonly path: string;
  readonly blob: string;
  /** The first heading of the page; `''` when it has none. */
  readonly title: string;
  readonly sections: readonly MarkdownSection[];
}

/** Output of `chunk`. */
export interface ChunkOutput {
  readonly path: string;
  readonly chunks: readonly Chunk[];
}

/** Output of `fit`: the embedder's IDF. */
export interface FitOutput {
  /** The embedder's model name (dimension and the fitted commit). */
  readonly model: string;
  readonly dimension: number;
  /** The commit the IDF was fitted on. */
  readonly commit: string;
  /** The fit's name in the model name: the commit's first 12 digits and the folder. */
  readonly version: string;
  /** Pages fitted on. */
  readonly pages: number;
  readonly idf: Float32Array;
}

/** Output of `embed`: the vectors only (the chunks are `chunk`'s output), so the output stays small. */
export interface EmbedOutput {
  readonly path: string;
  readonly model: string;
  /** Tokens the embedder used (charged to the `tokens` budget). */
  readonly tokens: number;
  /** One vector per chunk of the page, in chunk order, kept sparse (`sparse-vector.ts`). */
  readonly vectors: readonly SparseVector[];
}

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

/** A string param. */
function stringParam(ctx: StageContext, name: string): string {
  const value = ctx.params[name];
  if (typeof value !== 'string' || value === '') {
    throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\`: expected param \`${name}\` to be a non-empty string, got \`${JSON.stringify(value)}\``, { stageId: ctx.stageId, errorClass: 'logic' });
  }
  return value;
}

/** An integer param >= `min`, `fallback` when absent. */
function integerParam(ctx: StageContext, name: string, fallback: number, min: number): number {
  const value = ctx.params[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\`: expected param \`${name}\` to be an integer >= ${min}, got \`${JSON.stringify(value)}\``, { stageId: ctx.stageId, errorClass: 'logic' });
  }
  return value;
}

/** The folder `name` names: as given when absolute, else in the pipeline's state folder (or the working directory when the run has none). */
function folderParam(ctx: StageContext, name: string): string {
  return path.resolve(ctx.stateDir ?? process.cwd(), stringParam(ctx, name));
}

/**
 * The item of a per-item stage.
 * @throws DagbookError `INVALID_OPTION` when the stage is not run per item.
 */
function pageOf(ctx: StageContext): PagePayload {
  const payload = ctx.item?.payload as Partial<PagePayload> | undefined;
  if (typeof payload?.path !== 'string' || typeof payload.blob !== 'string') {
    throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\` runs once per page (\`forEach: discover\`): expected an item with a payload { path, blob }, got \`${JSON.stringify(ctx.item)}\``, { stageId: ctx.stageId, errorClass: 'logic' });
  }
  return { path: payload.path, blob: payload.blob };
}

/** An input of the stage, checked to be there. */
function input<T>(ctx: StageContext, inputs: StageInputs, id: string): T {
  const value = inputs[id];
  if (value === undefined) throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\` needs the output of \`${id}\` among its deps`, { stageId: ctx.stageId, errorClass: 'logic' });
  return value as T;
}

/** Discovery: the markdown pages under `folder` of branch `branch` of the repository `repo` (params). */
export async function discover(ctx: StageContext): Promise<PageItem[]> {
  const documents = await listDocuments({ repoDir: folderParam(ctx, 'repo'), ref: stringParam(ctx, 'branch'), folder: stringParam(ctx, 'folder') });
  return documents.map((d) => ({ id: d.id, hash: d.hash, payload: { path: d.id, blob: d.hash } }));
}

/** Per page: reads the page's blob from the repository (param `repo`) and splits it into sections by heading with marked. */
export async function parse(ctx: StageContext): Promise<ParseOutput> {
  const page = pageOf(ctx);
  const sections = parseSections(await readBlob(folderParam(ctx, 'repo'), page.blob));
  const first = sections.find((s) => s.depth > 0);
  return { path: page.path, blob: page.blob, title: first === undefined ? '' : first.headings[first.headings.length - 1]!, sections };
}

/** Per page: cuts the sections into chunks by heading, of at most `size` characters overlapping by `overlap` (params). */
export function chunk(ctx: StageContext, inputs: StageInputs): ChunkOutput {
  const parsed = input<ParseOutput>(ctx, inputs, 'parse');
  const size = integerParam(ctx, 'size', 500, 1);
  const overlap = integerParam(ctx, 'overlap', 100, 0);
  try {
    return { path: parsed.path, chunks: chunkSections(parsed.path, parsed.sections, { size, overlap }) };
  } catch (error) {
    throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\`: ${(error as Error).message}`, { stageId: ctx.stageId, errorClass: 'logic', cause: error });
  }
}

/**
 * Fits the lexical embedder's IDF on every page under `folder` at `ref` of
 * `repo`, in `dimension` hashed buckets (params).
 */
export async function fit(ctx: StageContext): Promise<FitOutput> {
  const repoDir = folderParam(ctx, 'repo');
  const ref = stringParam(ctx, 'ref');
  const dimension = integerParam(ctx, 'dimension', 1024, 2);
  const folder = stringParam(ctx, 'folder');
  const documents = await listDocuments({ repoDir, ref, folder });
  const texts = await readBlobs(repoDir, documents.map((d) => d.hash));
  const commit = await resolveCommit(repoDir, ref);
  const version = `${commit.slice(0, 12)}/${folder}`;
  const idf = fitHashedIdf(texts, dimension);
  return { model: new HashedTfidfEmbedder(idf, version).model, version, dimension, commit, pages: texts.length, idf };
}

/** Embedders by model, so the pages of a run share one. */
const embedders = new Map<string, HashedTfidfEmbedder>();

/** The embedder of a fit (one per model name). */
export function embedderOf(fitted: Pick<FitOutput, 'model' | 'idf' | 'version'>): HashedTfidfEmbedder {
  let embedder = embedders.get(fitted.model);
  if (embedder === undefined) {
    embedder = new HashedTfidfEmbedder(fitted.idf, fitted.version);
    embedders.set(embedder.model, embedder);
  }
  return embedder;
}

/**
 * Per page: embeds its chunks in one batch and charges the tokens used to
 * the `tokens` budget (`ctx.usage`), as a paid embedding API would be. The
 * vectors are returned sparse: the output is what the run checkpoints.
 */
export async function embed(ctx: StageContext, inputs: StageInputs): Promise<EmbedOutput> {
  const chunked = input<ChunkOutput>(ctx, inputs, 'chunk');
  const embedder = embedderOf(input<FitOutput>(ctx, inputs, 'fit'));
  const { vectors, tokens } = await embedder.embed(chunked.chunks.map((c) => c.text));
  ctx.usage('tokens', tokens);
  return { path: chunked.path, model: embedder.model, tokens, vectors: vectors.map(toSparse) };
}

/**
 * Per page: its metadata (title, section, blob, counts, model), validated
 * by the schema of `metadata.ts`.
 * @throws DagbookError `STAGE_VALIDATION_FAILED` naming the page and the failing fields (not retried).
 */
export function enrich(ctx: StageContext, inputs: StageInputs): DocumentMetadata {
  const parsed = input<ParseOutput>(ctx, inputs, 'parse');
  const embedded = input<EmbedOutput>(ctx, inputs, 'embed');
  const folder = typeof ctx.params.folder === 'string' ? ctx.params.folder : '';
  const relative = folder !== '' && parsed.path.startsWith(`${folder}/`) ? parsed.path.slice(folder.length + 1) : parsed.path;
  return validateMetadata(
    {
      documentId: parsed.path,
      title: parsed.title,
      section: relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '',
      blob: parsed.blob,
      headings: parsed.sections.filter((s) => s.depth > 0).length,
      chunks: embedded.vectors.length,
      words: parsed.sections.reduce((n, s) => n + tokenize(s.headings[s.headings.length - 1] ?? '').length + tokenize(s.text).length, 0),
      model: embedded.model,
    },
    ctx.stageId,
  );
}

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
