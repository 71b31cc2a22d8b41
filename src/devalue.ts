/**
 * The one place dagbook loads devalue, the structured serializer of stage
 * outputs. devalue is an ES module only; it is loaded with `require()` (Node
 * >= 20.19 loads ES modules that way), and typed here by hand rather than
 * through its own declarations, which tslab's TypeScript 5.0 (node10
 * resolution) cannot resolve by package name. Everything else goes through
 * this wrapper, so an upgrade of devalue touches one file.
 */

/** A function that turns a value of a custom type into data, or returns a falsy value when the value is not of that type. */
export type DevalueReducer = (value: any) => unknown;

/** A function that rebuilds a value of a custom type from the data its reducer returned. */
export type DevalueReviver = (data: any) => unknown;

/** How devalue sees a plain object: its own keys in the order it writes them. */
export type DevalueShape =
  | { readonly kind: 'not-plain' }
  | { readonly kind: 'symbol-keys' }
  | { readonly kind: 'plain' | 'null-proto'; readonly keys: readonly string[] };

/** What devalue reads of a typed array or DataView. */
export interface DevalueViewInfo {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly length: number;
  readonly bufferByteLength: number;
}

/** The introspection steps of `stringify` that dagbook replaces (devalue's `StringifyOperations`, in part). */
export interface DevalueStringifyOperations {
  /** The own keys of a plain object, in the order they are written. */
  shapeOf(value: object): DevalueShape;
  /** The bytes behind a typed array or DataView. */
  viewInfo(view: ArrayBufferView): DevalueViewInfo;
}

/** Options of `stringify`. */
export interface DevalueStringifyOptions {
  /** Replaced introspection steps; the others keep devalue's defaults. */
  readonly operations?: Partial<DevalueStringifyOperations>;
}

/** The part of devalue that dagbook uses. */
export interface Devalue {
  /** Writes a value as devalue's JSON text. @throws DevalueError for a value it cannot write. */
  stringify(value: unknown, reducers?: Record<string, DevalueReducer>, options?: DevalueStringifyOptions): string;
  /** Reads devalue's JSON text back into a value. */
  parse(text: string, revivers?: Record<string, DevalueReviver>): unknown;
  /** devalue's own operations, to fall back to. */
  readonly defaultStringifyOperations: DevalueStringifyOperations;
}

/** The devalue module. */
export const devalue: Devalue = require('devalue') as Devalue;
