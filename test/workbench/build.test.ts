import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

interface BuildScript {
  build(): number;
  buildIfStale(): number | null;
  isStale(): boolean;
  BuildError: new (message: string) => Error;
}

/**
 * A project holding a copy of the build script, the tsconfig files and a
 * two-file `src/`, with this repository's node_modules (esbuild, typescript,
 * @types/node) linked in. Returns its folder and its own copy of the script.
 */
function smallProject(): { dir: string; script: BuildScript } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-build-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(root, 'scripts', 'build.js'), path.join(dir, 'scripts', 'build.js'));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: ['node'], skipLibCheck: true } }),
  );
  fs.copyFileSync(path.join(root, 'tsconfig.build.json'), path.join(dir, 'tsconfig.build.json'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'index.ts'), "export { twice } from './twice';\n");
  fs.writeFileSync(path.join(dir, 'src', 'twice.ts'), '/** Twice `n`. */\nexport function twice(n: number): number {\n  return n * 2;\n}\n');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, script: require(path.join(dir, 'scripts', 'build.js')) as BuildScript };
}

/** Dates the build in `dir` five seconds back and what it read ten, so that a file written now is newer than the build, and nothing else is. */
function ageBuild(dir: string): void {
  const read = new Date(Date.now() - 10_000);
  const built = new Date(Date.now() - 5000);
  const inputs = [path.join(dir, 'scripts', 'build.js'), path.join(dir, 'tsconfig.json'), path.join(dir, 'tsconfig.build.json'), path.join(dir, 'src')];
  for (const file of [...inputs, ...fs.readdirSync(path.join(dir, 'src')).map((f) => path.join(dir, 'src', f))]) fs.utimesSync(file, read, read);
  fs.utimesSync(path.join(dir, 'dist'), built, built);
}

describe('scripts/build.js', function () {
  this.timeout(120_000);
  let dir: string;
  let script: BuildScript;

  beforeEach(() => {
    ({ dir, script } = smallProject());
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when dist/ is missing', () => {
    it('is stale; the build writes CommonJS and declarations that plain Node loads, and then it is up to date', () => {
      assert.equal(script.isStale(), true);
      assert.equal(typeof script.buildIfStale(), 'number');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'dist')).sort(), ['index.d.ts', 'index.js', 'twice.d.ts', 'twice.js']);
      assert.equal(fs.readFileSync(path.join(dir, 'dist', 'twice.d.ts'), 'utf8'), '/** Twice `n`. */\nexport declare function twice(n: number): number;\n');
      const r = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('./dist').twice(21)))"], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.stdout, '42', r.stderr);
      assert.equal(script.isStale(), false);
      assert.equal(script.buildIfStale(), null);
    });
  });

  describe('when a source file changes, or one is added, after the build', () => {
    it('is stale again', () => {
      script.build();
      ageBuild(dir);
      assert.equal(script.isStale(), false);
      fs.writeFileSync(path.join(dir, 'src', 'twice.ts'), 'export function twice(n: number): number {\n  return n + n;\n}\n');
      assert.equal(script.isStale(), true);
      script.build();
      ageBuild(dir);
      assert.equal(script.isStale(), false);
      fs.writeFileSync(path.join(dir, 'src', 'thrice.ts'), 'export const three = 3;\n');
      fs.utimesSync(path.join(dir, 'src', 'thrice.ts'), new Date(0), new Date(0));
      assert.equal(script.isStale(), true, 'a new file, even with an old mtime, moves its folder’s mtime');
    });
  });

  describe('when the source does not compile', () => {
    it('throws a BuildError with the compiler’s message and keeps the last good dist/', () => {
      script.build();
      fs.writeFileSync(path.join(dir, 'src', 'twice.ts'), 'export function twice(n: number): number {\n  return `${n}`;\n}\n');
      assert.throws(
        () => script.build(),
        (error: unknown) => {
          assert.ok(error instanceof script.BuildError);
          assert.match(error.message, /^tsc \(declarations\) exited with code 2:\nsrc\/twice\.ts\(2,3\): error TS2322: Type 'string' is not assignable to type 'number'\./);
          return true;
        },
      );
      assert.deepEqual(fs.readdirSync(path.join(dir, 'dist')).sort(), ['index.d.ts', 'index.js', 'twice.d.ts', 'twice.js']);
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('dist.')), []);
    });
  });
});
