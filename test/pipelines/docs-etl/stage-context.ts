import { testStageContext } from '../../stage-context';
import type { StageContext } from '../../../src/definition/types';
import type { ItemSet } from '../../../src/definition/types';
import type { DocumentMetadata } from '../../../pipelines/docs-etl/metadata';
import { chunk, embed, enrich, parse, type ChunkOutput, type EmbedOutput, type FitOutput, type PageItem, type ParseOutput } from '../../../pipelines/docs-etl/stages';

/** A stage context for calling a document ETL stage directly; records the budget usage it reports. */
export function stageContext(stageId: string, stateDir: string, params: Record<string, unknown> = {}, item?: PageItem): StageContext & { usages: [string, number][] } {
  const usages: [string, number][] = [];
  const ctx = testStageContext({ stageId, stateDir, params, ...(item === undefined ? {} : { item }), usage: (resource, amount) => void usages.push([resource, amount]) });
  return { ...ctx, usages };
}

/** What the per-page stages returned for one page. */
export interface PageOutputs {
  parse: ParseOutput;
  chunk: ChunkOutput;
  embed: EmbedOutput;
  enrich: DocumentMetadata;
}

/** Runs parse -> chunk -> embed -> enrich for one item, each with a hand-made context. */
export async function pageOutputs(stateDir: string, params: Record<string, unknown>, fitted: FitOutput, item: PageItem): Promise<PageOutputs> {
  const parsed = await parse(stageContext('parse', stateDir, params, item));
  const chunked = chunk(stageContext('chunk', stateDir, params, item), { parse: parsed });
  const embedded = await embed(stageContext('embed', stateDir, params, item), { chunk: chunked, fit: fitted });
  return { parse: parsed, chunk: chunked, embed: embedded, enrich: enrich(stageContext('enrich', stateDir, params, item), { parse: parsed, embed: embedded }) };
}

/** A page set as the engine would pass it: every output, these ids changed and deleted. */
export function pageSet<O>(outputs: Record<string, O>, changed: string[], deleted: string[] = []): ItemSet<O> {
  return { outputs, changed, deleted, failed: {} };
}
