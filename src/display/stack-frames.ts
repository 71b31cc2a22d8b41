import * as path from 'node:path';

/**
 * A stage error's stack as a person reads it: the user's own frames first
 * (their stage modules and notebook cells), then dagbook's and Node's. A
 * frame in a notebook cell reads `cell code`: tslab runs a cell as
 * `evalmachine.<anonymous>` after compiling it, and that compilation adds and
 * drops lines as the cell's content asks (an `exports.x = x;` after each
 * declaration, nothing for an interface, a header), so no fixed offset maps
 * its line back to the cell's and a line number shown would be wrong.
 */

/** dagbook's own code: the folder above this module's (src/ when run from source). */
const DAGBOOK_CODE = path.resolve(__dirname, '..');

/** A stack split for display. */
export interface OrderedStack {
  /** The lines before the first frame: the error's name and message. */
  readonly head: readonly string[];
  /** Frames in the user's code, outermost last, as `at …` (cell frames relabelled). */
  readonly user: readonly string[];
  /** Frames inside dagbook, its dependencies or Node. */
  readonly library: readonly string[];
}

/** `at f (evalmachine.<anonymous>:11:62)` → `at f (cell code)`. */
function relabelCell(frame: string): string {
  return frame.replace(/evalmachine\.<anonymous>:\d+:\d+/g, 'cell code');
}

/** True when the frame runs code of the user: not dagbook's, not a dependency's, not Node's. */
function isUserFrame(frame: string, dagbookCode: string): boolean {
  if (frame.includes('evalmachine.<anonymous>')) return true;
  const location = /\(([^()]*)\)\s*$/.exec(frame)?.[1] ?? frame.replace(/^at\s+/, '');
  // No file and line: Node's own (`<anonymous>`, `index 0`, `native`).
  if (location.startsWith('node:') || !/:\d+:\d+$/.test(location)) return false;
  const file = location.replace(/^file:\/\//, '').replace(/:\d+:\d+$/, '');
  if (file.split(/[\\/]/).includes('node_modules')) return false;
  return !(file === dagbookCode || file.startsWith(dagbookCode + path.sep) || file.startsWith(dagbookCode + '/'));
}

/**
 * Splits `stack` into its head, the user's frames and the rest, each frame
 * trimmed, in their order.
 * @param dagbookCode The folder of dagbook's code. @default the one this module is in
 */
export function orderStack(stack: string, dagbookCode: string = DAGBOOK_CODE): OrderedStack {
  const lines = stack.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const firstFrame = lines.findIndex((l) => l.startsWith('at '));
  const head = firstFrame === -1 ? lines : lines.slice(0, firstFrame);
  const frames = firstFrame === -1 ? [] : lines.slice(firstFrame).filter((l) => l.startsWith('at '));
  return {
    head,
    user: frames.filter((f) => isUserFrame(f, dagbookCode)).map(relabelCell),
    library: frames.filter((f) => !isUserFrame(f, dagbookCode)),
  };
}
