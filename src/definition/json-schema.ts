import { zodToJsonSchema } from 'zod-to-json-schema';
import { pipelineFileSchema } from './schema';

/**
 * The JSON Schema of the pipeline file format, generated from the zod schema
 * that `loadPipelineFile` validates with, so editors can complete and check
 * `pipeline.yaml` files (reference it from the file's `$schema` field).
 */
export function pipelineFileJsonSchema(): Record<string, unknown> {
  return zodToJsonSchema(pipelineFileSchema, {
    name: 'DagbookPipeline',
    $refStrategy: 'none',
    errorMessages: false,
  }) as Record<string, unknown>;
}
