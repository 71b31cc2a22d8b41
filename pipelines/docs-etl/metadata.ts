import { z } from 'zod';
import { DagbookError } from '../../src/errors';

/**
 * The metadata every indexed page carries, as a zod schema: what a search
 * hit shows beside its text (title, section of the docs) and what the index
 * is checked against (blob, chunk count, model). A page whose metadata fails
 * the schema is not indexed: {@link validateMetadata} throws a coded error
 * naming the page, each failing field and the value it had, and marks it
 * `persistent` (the page must be fixed; retrying cannot help).
 */

/** The schema of a page's metadata. */
export const documentMetadataSchema = z
  .object({
    /** Repository path of the page: the item id. */
    documentId: z.string().regex(/\.md$/, 'a repository path ending in .md'),
    /** The page's first heading. */
    title: z.string().trim().min(1, 'a non-empty first heading').max(200, 'at most 200 characters'),
    /** Folder of the page under the docs folder (`reference/functions`); `''` at its top. */
    section: z.string(),
    /** Git blob hash of the page as indexed. */
    blob: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a 40- or 64-digit hex git object id'),
    /** Headings on the page. */
    headings: z.number().int().min(1, 'at least one heading'),
    /** Chunks indexed. */
    chunks: z.number().int().min(1, 'at least one chunk'),
    /** Words on the page (tokens of the lexical embedder). */
    words: z.number().int().min(1, 'at least one word'),
    /** Embedding model of the chunks' vectors. */
    model: z.string().min(1),
  })
  .strict();

/** A page's metadata. */
export type DocumentMetadata = z.infer<typeof documentMetadataSchema>;

/**
 * Validates a page's metadata.
 * @throws DagbookError `STAGE_VALIDATION_FAILED` (class `persistent`) naming the page and every failing field with its value.
 */
export function validateMetadata(candidate: Readonly<Record<string, unknown>>, stageId?: string): DocumentMetadata {
  const parsed = documentMetadataSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const field = issue.path.join('.');
    return { field, message: issue.message, value: field === '' ? undefined : candidate[String(issue.path[0])] };
  });
  const described = issues.map((i) => `\`${i.field}\` must be ${i.message}, got \`${JSON.stringify(i.value)}\``).join('; ');
  throw new DagbookError('STAGE_VALIDATION_FAILED', `Page ${String(candidate.documentId)} has invalid metadata: ${described}`, {
    stageId,
    errorClass: 'persistent',
    data: { documentId: candidate.documentId, issues },
  });
}
