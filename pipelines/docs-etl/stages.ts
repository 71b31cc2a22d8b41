import * as path from 'node:path';
import type { Item, ItemSet, StageContext, StageInputs } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { chunkSections, type Chunk } from './chunk';
import { fitHashedIdf, HashedTfidfEmbedder, tokenize } from './embedder';
import { readBlobShared } from './blob-reader';
import { listDocuments, readBlobs, resolveCommit } from './git-source';
import { parseSections, type MarkdownSection } from './markdown-sections';
import { toSparse, type SparseVector } from './sparse-vector';
import { validateMetadata, type DocumentMetadata } from './metadata';

/**
 * The document ETL as dagbook stages (`fn: ./docs-etl/stages.ts#discover` in
 * `pipelines/docs-etl.yaml`): `discover` lists the markdown pages of a git
 * repository at a branch and folder (the items: id = path, hash = blob
 * hash); per page `parse` -> `chunk` -> `embed` -> `enrich`; the ordinary
 * stage `fit` fixes the embedder's IDF on the repository at a tag. The
 * reduce stage `store` and the search are in `store-stage.ts`: a stage's
 * code identity is its module and every local module it imports, so the
 * per-page stages do not import LanceDB's code, and a change to the index
 * does not re-embed every page.
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
export function input<T>(ctx: StageContext, inputs: StageInputs, id: string): T {
  const value = inputs[id];
  if (value === undefined) throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\` needs the output of \`${id}\` among its deps`, { stageId: ctx.stageId, errorClass: 'logic' });
  return value as T;
}

/** Discovery: the markdown pages under `folder` of branch `branch` of the repository `repo` (params). */
export async function discover(ctx: StageContext): Promise<PageItem[]> {
  const documents = await listDocuments({ repoDir: folderParam(ctx, 'repo'), ref: stringParam(ctx, 'branch'), folder: stringParam(ctx, 'folder') });
  return documents.map((d) => ({ id: d.id, hash: d.hash, payload: { path: d.id, blob: d.hash } }));
}

/** Per page: reads the page's blob from the repository (param `repo`, one shared `git cat-file --batch`) and splits it into sections by heading with marked. */
export async function parse(ctx: StageContext): Promise<ParseOutput> {
  const page = pageOf(ctx);
  const sections = parseSections(await readBlobShared(folderParam(ctx, 'repo'), page.blob));
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
