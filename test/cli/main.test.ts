import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'dagbook.js');

function dagbook(args: string[], stateDir: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, DAGBOOK_STATE_DIR: stateDir } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dagbook CLI', function () {
  this.timeout(60_000);
  let tmp: string;
  let stateDir: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-cli-'));
    stateDir = path.join(tmp, 'state');
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when running a pipeline file twice', () => {
    it('runs every stage, then restores every stage from cache', () => {
      const first = dagbook(['run', 'pipelines/example.yaml'], stateDir);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Stage `report` succeeded/);
      const second = dagbook(['run', 'pipelines/example.yaml'], stateDir);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /all 5 stages are up to date/);
    });
  });

  describe('when asking for the plan, the status and a reset', () => {
    it('says what would run and why, runs nothing, and forgets a stage and its downstream', () => {
      assert.equal(dagbook(['run', 'pipelines/example.yaml', 'clean'], stateDir).code, 0);
      const plan = dagbook(['plan', 'pipelines/example.yaml'], stateDir);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /3 of 5 stages would run/);
      assert.match(plan.stdout, /by_region\s+will run\s+never ran/);
      const status = dagbook(['status', 'pipelines/example.yaml'], stateDir);
      assert.match(status.stdout, /load\s+succeeded/);
      assert.match(status.stdout, /report\s+never run/);
      const reset = dagbook(['reset', 'pipelines/example.yaml', 'clean'], stateDir);
      assert.match(reset.stdout, /Reset 4 stages: clean, by_region, by_month, report/);
      assert.match(dagbook(['plan', 'pipelines/example.yaml'], stateDir).stdout, /4 of 5 stages would run/);
    });
  });

  describe('when gc verifies the stored outputs', () => {
    it('removes a damaged output, exits 1 naming it, and the next plan runs its stage again', () => {
      assert.equal(dagbook(['run', 'pipelines/example.yaml', 'load'], stateDir).code, 0);
      const artifacts = path.join(stateDir, 'orders', 'artifacts');
      const [hash] = fs.readdirSync(artifacts);
      const bytes = fs.readFileSync(path.join(artifacts, hash));
      bytes[0] ^= 0x01;
      fs.writeFileSync(path.join(artifacts, hash), bytes);
      const gc = dagbook(['gc', 'pipelines/example.yaml', '--verify'], stateDir);
      assert.equal(gc.code, 1, gc.stderr);
      assert.equal(gc.stdout.trim(), `Removed 0 unreferenced output(s) and 0 old cache entries; removed 1 damaged output(s): ${hash}.`);
      assert.deepEqual(fs.readdirSync(artifacts), []);
      assert.match(dagbook(['plan', 'pipelines/example.yaml', 'load'], stateDir).stdout, /load\s+will run\s+stored output missing/);
      const again = dagbook(['gc', 'pipelines/example.yaml', '--verify'], stateDir);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout.trim(), 'Removed 0 unreferenced output(s) and 0 old cache entries; every stored output is whole.');
    });
  });

  describe('when the pipeline file is invalid', () => {
    it('exits 1 listing every problem with its code', () => {
      const file = path.join(tmp, 'bad.yaml');
      fs.writeFileSync(
        file,
        ['name: bad', 'stages:', '  a: { fn: "./nowhere.ts#run", deps: [b] }', '  b: { fn: "./nowhere.ts#run", deps: [a], retry: { maxAttempts: 0 } }', ''].join('\n'),
      );
      const r = dagbook(['run', file], stateDir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /PLAN_INVALID_POLICY\] stages\.b\.retry\.maxAttempts: .*got `0`/);
      assert.match(r.stderr, /PLAN_UNKNOWN_FUNCTION/);
      assert.match(r.stderr, /PLAN_CYCLE\].*a -> b -> a/);
    });
  });

  describe('when asked to resume', () => {
    it('refuses a run that succeeded, naming it', () => {
      assert.equal(dagbook(['run', 'pipelines/example.yaml'], stateDir).code, 0);
      const r = dagbook(['run', 'pipelines/example.yaml', '--resume'], stateDir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /dagbook: Run run_\d{8}_\d{6}_[0-9a-z]{4} succeeded: there is nothing to resume/);
    });
  });

  describe('when a numeric option is out of range', () => {
    it('exits 2 naming the option and the value, before running anything', () => {
      for (const [args, message] of [
        [['run', 'pipelines/example.yaml', '--max-parallel', '-1'], 'Expected `--max-parallel` to be an integer >= 1, got `-1`'],
        [['run', 'pipelines/example.yaml', '--max-parallel', 'two'], 'Expected `--max-parallel` to be an integer >= 1, got `two`'],
        [['clean', 'pipelines/example.yaml', '--log-days', '-3'], 'Expected `--log-days` to be a number >= 0, got `-3`'],
        [['nb', 'run', 'x.ipynb', '--timeout', '0'], 'Expected `--timeout` to be a number > 0, got `0`'],
        [['lab', '--port', '70000'], 'Expected `--port` to be an integer from 1 to 65535, got `70000`'],
      ] as const) {
        const r = dagbook([...args], stateDir);
        assert.equal(r.code, 2, args.join(' '));
        assert.ok(r.stderr.includes(message), r.stderr);
      }
      assert.equal(fs.existsSync(stateDir), false);
    });
  });

  describe('when printing the schema', () => {
    it('prints the JSON Schema of the file format', () => {
      const r = dagbook(['schema'], stateDir);
      assert.equal(r.code, 0);
      assert.ok(JSON.parse(r.stdout).definitions.DagbookPipeline);
    });
  });
});
