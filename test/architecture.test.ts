import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The layers of `src/` point one way (see docs/architecture.md): a folder may
 * import the neutral modules and the folders of lower layers, never a folder
 * of its own layer or above. This test reads every relative import in `src/`
 * and lists the ones that break that rule.
 */

const SRC = path.join(__dirname, '..', 'src');

/** Layer of each folder of `src/`; the top-level files, `graph/` and `events/` are the neutral layer 0. */
const LAYER: Readonly<Record<string, number>> = {
  neutral: 0,
  graph: 0,
  events: 0,
  definition: 1,
  plan: 2,
  schedule: 3,
  execute: 3,
  store: 3,
  service: 3,
  query: 4,
  alerts: 4,
  run: 5,
  display: 6,
  daemon: 6,
  serve: 7,
  notebook: 8,
  cli: 9,
};

/** The folder of `src/` a file belongs to (`neutral` for the top-level files). */
function unitOf(file: string): string {
  const relative = path.relative(SRC, file).split(path.sep);
  return relative.length === 1 ? (relative[0] === 'index.ts' ? 'index' : 'neutral') : relative[0];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) ? [full] : [];
  });
}

/** Every `from`-unit -> `to`-unit import that points up or sideways, as `file -> specifier`. */
function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    if (from === 'index') continue; // The public API names what it exports from every layer.
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import|require)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), match[1]);
      if (path.relative(SRC, target).startsWith('..')) continue; // package.json and the like: not a layer.
      const to = unitOf(target.endsWith('.ts') || target.endsWith('.js') ? target : `${target}.ts`);
      if (to === from) continue;
      const allowed = LAYER[to] === 0 || LAYER[to] < LAYER[from];
      if (!allowed) found.push(`${path.relative(SRC, file)} -> ${match[1]}`);
    }
  }
  return found.sort();
}

describe('the layers of src/', () => {
  describe('when every relative import is read', () => {
    it('finds every folder in the layer table', () => {
      const folders = fs
        .readdirSync(SRC, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
      assert.deepEqual(folders.filter((f) => LAYER[f] === undefined), []);
    });

    it('finds no import that points up or sideways', () => {
      assert.deepEqual(violations(), []);
    });
  });
});
