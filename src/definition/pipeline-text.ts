import { open } from 'node:fs/promises';
import { parseDocument, type YAMLError } from 'yaml';
import { DagbookError, errorMessage, planInvalidError, type PlanIssue } from '../errors';
import { MAX_PIPELINE_FILE_BYTES, MAX_YAML_ALIASES } from '../limits';

/**
 * Reading and parsing the text of a pipeline file, within the limits of
 * `src/limits.ts`: a file larger than `MAX_PIPELINE_FILE_BYTES` is refused
 * before it is read, and YAML aliases may expand at most `MAX_YAML_ALIASES`
 * times (an alias can repeat everything before it, so a few lines can expand
 * to gigabytes). Whatever the parser throws becomes a coded error naming the
 * file.
 */

/**
 * The text of a pipeline file.
 * @param source The file as the user named it, for messages.
 * @throws DagbookError `INVALID_OPTION` when it cannot be read or is not a
 *   regular file; `PLAN_INVALID_FILE` when it is larger than the limit.
 */
export async function readPipelineText(file: string, source: string): Promise<string> {
  const cannotRead = (why: string, cause?: unknown) =>
    new DagbookError('INVALID_OPTION', `Cannot read the pipeline file \`${source}\`: ${why}`, { data: { file: source }, ...(cause === undefined ? {} : { cause }) });
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    throw cannotRead(errorMessage(e), e);
  }
  try {
    const stat = await handle.stat();
    // A device or a pipe has no size to check and may never end.
    if (!stat.isFile()) throw cannotRead('it is not a regular file');
    assertTextSize(stat.size, source);
    return await handle.readFile('utf8');
  } catch (e) {
    if (e instanceof DagbookError) throw e;
    throw cannotRead(errorMessage(e), e);
  } finally {
    await handle.close();
  }
}

function assertTextSize(bytes: number, source: string): void {
  if (bytes > MAX_PIPELINE_FILE_BYTES) {
    throw new DagbookError(
      'PLAN_INVALID_FILE',
      `The pipeline file \`${source}\` is ${bytes} bytes, more than the limit of ${MAX_PIPELINE_FILE_BYTES} bytes`,
      { data: { file: source, bytes, limit: MAX_PIPELINE_FILE_BYTES } },
    );
  }
}

/**
 * The data of a pipeline file's text (YAML, or JSON, which YAML includes).
 * @param source The file the text came from, for messages.
 * @throws DagbookError `PLAN_INVALID` with a `PLAN_INVALID_FIELD` issue
 *   giving the line and column of a syntax error; `PLAN_INVALID_FILE` naming
 *   the file when the text is larger than the limit, its aliases expand past
 *   the limit, or the parser fails (for instance on nesting too deep for it).
 */
export function parsePipelineText(text: string, source: string): unknown {
  assertTextSize(Buffer.byteLength(text, 'utf8'), source);
  try {
    // YAML is a superset of JSON, so one parser serves both, with line numbers in its errors.
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) throw planInvalidError(doc.errors.map((e) => syntaxIssue(e, source)));
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof DagbookError) throw e;
    // The yaml package signals an alias expansion past `maxAliasCount` with a ReferenceError.
    const aliases = e instanceof ReferenceError && /alias/i.test(e.message);
    const message = aliases
      ? `The pipeline file \`${source}\` exceeds the alias expansion limit: its aliases expand more than ${MAX_YAML_ALIASES} times`
      : `Cannot parse the pipeline file \`${source}\`: ${errorMessage(e)}`;
    throw new DagbookError('PLAN_INVALID_FILE', message, { cause: e, data: { file: source, ...(aliases ? { limit: MAX_YAML_ALIASES } : {}) } });
  }
}

/**
 * A syntax error as an issue whose path is where it is, `file:line:column`
 * (the form editors and terminals link to), and whose message says what the
 * parser expected.
 */
function syntaxIssue(e: YAMLError, source: string): PlanIssue {
  const at = e.linePos?.[0];
  // The parser's first line ends with " at line 4, column 3:"; the location goes in the path and the sentence instead.
  const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
  if (!at) return { code: 'PLAN_INVALID_FIELD', path: source, message: `Cannot parse \`${source}\`: ${what}` };
  return { code: 'PLAN_INVALID_FIELD', path: `${source}:${at.line}:${at.col}`, message: `Cannot parse \`${source}\` at line ${at.line}, column ${at.col}: ${what}` };
}
