import { types } from 'node:util';
import { dataFrameData, isDataFrame, isSeries, seriesData, toDataFrame, toSeries, type DataFrameData, type SeriesData } from './data-frame';
import { devalue, type DevalueShape, type DevalueStringifyOperations } from './devalue';
import { DagbookError, errorMessage, isDagbookError } from './errors';
import { canonicalJson } from './canonical-json';
import { plainJsonText } from './plain-json';
import { checkOutput, notSerializable, type StorableOutputOptions } from './output-check';

/**
 * The stored form of a stage output. A value that JSON keeps exactly (plain
 * objects, dense arrays, strings, booleans, null, finite numbers; the common
 * case) is stored as its canonical JSON, as every output was before this
 * module: such outputs keep their wave-1 hashes, and JSON is several times
 * faster to write and read. Any other value is stored as a format line, then
 * the value written by devalue (a kept library: it already writes Map, Set,
 * Date, BigInt, RegExp, typed arrays, ArrayBuffer, `undefined`, `-0`, `NaN`,
 * `±Infinity`, repeated references and cycles as JSON text), with custom
 * types for danfojs DataFrames and Series and for Node Buffers. What may be
 * stored at all is checked first by {@link checkOutput}, which names the path
 * of what may not.
 *
 * Equal data gives equal text, hence equal content hashes:
 * - plain-object keys are written sorted (in both forms), so `{a:1,b:2}` and
 *   `{b:2,a:1}` are one output; Map entries and Set members keep their
 *   insertion order, which is observable (iteration), so two Maps with the
 *   same entries in another order are two outputs;
 * - repeated references and cycles are kept (they round-trip), so a value
 *   that shares one object twice and one holding two equal copies are two
 *   outputs: the sharing is observable too (mutate one, see it in the other).
 *   The cost is at most a re-run of the dependents, never a wrong cache hit;
 * - a typed array or DataView that shows part of a larger buffer is stored as
 *   the bytes it shows (not the whole buffer, which could hold unrelated
 *   bytes), so it comes back as a view of a buffer of its own.
 *
 * A text is told apart by its first characters: canonical JSON never starts
 * with `dagbook-output `. devalue does not promise the same text across its
 * major versions: the format line names the version of the structured form,
 * to be raised when an upgrade changes it.
 */

/** The format of structured outputs, the first line of their stored text. */
export const OUTPUT_FORMAT = 'dagbook-output devalue/1';

const HEADER = `${OUTPUT_FORMAT}\n`;
const HEADER_PREFIX = 'dagbook-output ';

/** Custom devalue types; the names are part of the stored format. */
const DATA_FRAME = 'danfo.DataFrame';
const SERIES = 'danfo.Series';
const BUFFER = 'node.Buffer';

const REDUCERS = {
  [DATA_FRAME]: (value: unknown) => isDataFrame(value) && dataFrameData(value as object),
  [SERIES]: (value: unknown) => isSeries(value) && seriesData(value as object),
  [BUFFER]: (value: unknown) => Buffer.isBuffer(value) && new Uint8Array(value),
};

const REVIVERS = {
  [DATA_FRAME]: (data: DataFrameData) => toDataFrame(data),
  [SERIES]: (data: SeriesData) => toSeries(data),
  [BUFFER]: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};

const defaults = devalue.defaultStringifyOperations;

const OPERATIONS: Partial<DevalueStringifyOperations> = {
  shapeOf(value: object): DevalueShape {
    const shape = defaults.shapeOf(value);
    return shape.kind === 'plain' || shape.kind === 'null-proto' ? { kind: shape.kind, keys: [...shape.keys].sort() } : shape;
  },
  viewInfo(view: ArrayBufferView) {
    if (view.byteLength === view.buffer.byteLength || Buffer.isBuffer(view)) return defaults.viewInfo(view);
    const bytes = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
    const own = types.isDataView(view) ? new DataView(bytes) : new (view.constructor as new (b: ArrayBufferLike) => ArrayBufferView)(bytes);
    return defaults.viewInfo(own);
  },
};

/**
 * The stored text of a stage output.
 * @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` naming the stage (when given)
 * and the path of the first value that cannot be stored (`data.path`).
 */
export function encodeOutput(value: unknown, options: StorableOutputOptions = {}): string {
  // Plain JSON data (most outputs) in one pass; anything else is checked, naming the path of what cannot be stored.
  const plain = plainJsonText(value);
  if (plain !== undefined) return plain;
  if (checkOutput(value, options) === 'json') return canonicalJson(value);
  try {
    return HEADER + devalue.stringify(value, REDUCERS, { operations: OPERATIONS });
  } catch (error) {
    if (isDagbookError(error)) throw error;
    // Reached only through what the check lets pass but devalue refuses, or a getter that throws.
    const at = (error as { path?: unknown }).path;
    throw notSerializable(`output${typeof at === 'string' ? at : ''}`, `refused by the serializer (${errorMessage(error)})`, options.stageId);
  }
}

/**
 * A stage output from its stored text (either form; wave-1 outputs are
 * canonical JSON). Loads danfojs only when the output holds a frame.
 * @throws DagbookError `STATE_CORRUPT` naming `where` when the text is neither.
 */
export function decodeOutput(text: string, where = 'the output'): unknown {
  try {
    if (text.startsWith(HEADER)) return devalue.parse(text.slice(HEADER.length), REVIVERS);
    if (text.startsWith(HEADER_PREFIX)) {
      const format = text.slice(0, Math.max(0, text.indexOf('\n')) || 80);
      throw new DagbookError('STATE_CORRUPT', `Cannot read ${where}: its format \`${format}\` is not \`${OUTPUT_FORMAT}\` (written by a newer dagbook?)`, {
        data: { format, expected: OUTPUT_FORMAT },
      });
    }
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (isDagbookError(error)) throw error;
    throw new DagbookError('STATE_CORRUPT', `Cannot read ${where}: ${errorMessage(error)}`, { cause: error });
  }
}
