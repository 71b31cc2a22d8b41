import type * as ZodToJsonSchema from 'zod-to-json-schema';
import { pipelineFileSchema } from './schema';

/**
 * The JSON Schema of the pipeline file format, generated from the zod schema
 * that `loadPipelineFile` validates with, so editors can complete and check
 * `pipeline.yaml` files (reference it from the file's `$schema` field).
 */
export function pipelineFileJsonSchema(): Record<string, unknown> {
  // Loaded on use (39 modules), not on the library's import path: only `dagbook schema` and editors' tooling ask.
  const { zodToJsonSchema } = require('zod-to-json-schema') as typeof ZodToJsonSchema;
  return zodToJsonSchema(pipelineFileSchema, {
    name: 'DagbookPipeline',
    $refStrategy: 'none',
    errorMessages: false,
  }) as Record<string, unknown>;
}
