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

  describe('when cleaning twice', () => {
    it('deletes the runs past the policy and says so, then finds nothing to do', () => {
      for (let i = 0; i < 3; i++) assert.equal(dagbook(['run', 'pipelines/example.yaml', '--force'], stateDir).code, 0);
      const runs = path.join(stateDir, 'orders', 'runs');
      const first = dagbook(['clean', 'pipelines/example.yaml', '--max-runs', '1'], stateDir);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'Cleaned: 2 runs deleted.\n');
      assert.equal(fs.readdirSync(runs).length, 1);
      assert.equal(fs.existsSync(path.join(stateDir, 'orders', 'archive')), false);
      const second = dagbook(['clean', 'pipelines/example.yaml', '--max-runs', '1'], stateDir);
      assert.equal(second.stdout, 'Nothing to clean: every run, log and cache entry is within the retention policy.\n');
    });
  });

  describe('when the reader of its output closes the pipe early', () => {
    it('finishes the run silently and exits 0, without an EPIPE trace', () => {
      const piped = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" run pipelines/example.yaml --force | head -n 1`], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DAGBOOK_STATE_DIR: stateDir },
      });
      assert.equal(piped.status, 0, piped.stderr);
      assert.equal(piped.stdout.split('\n').filter((l) => l !== '').length, 1);
      assert.doesNotMatch(piped.stderr, /EPIPE/);
      const status = dagbook(['status', 'pipelines/example.yaml'], stateDir);
      assert.match(status.stdout, /5 stages — 5 succeeded; 0 to run/);
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

  describe('when a run prints durations', () => {
    it('prints each as the duration formatter does, never an unrounded figure', () => {
      const r = dagbook(['run', 'pipelines/example.yaml'], stateDir);
      assert.equal(r.code, 0, r.stderr);
      const successes = r.stdout.split('\n').filter((l) => l.includes('succeeded on attempt'));
      assert.equal(successes.length, 5, r.stdout);
      for (const line of successes) assert.match(line, /INFO {2}Stage `\w+` succeeded on attempt 1 in (\d+ ms|\d\.\d s)$/);
      assert.doesNotMatch(r.stdout, /\d\.\d+ ms/);
    });
  });

  describe('when a stage fails', () => {
    function branchesPipeline(policy: string): string {
      const dir = path.join(tmp, policy);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'stages.js'), 'exports.broken = () => { throw new Error("boom"); };\nexports.other = () => 42;\n');
      fs.writeFileSync(
        path.join(dir, 'p.yaml'),
        [`name: ${policy}`, 'maxParallel: 1', `failurePolicy: ${policy}`, 'stages:', '  broken: { fn: ./stages.js#broken, retry: { maxAttempts: 1 } }', '  other: { fn: ./stages.js#other }', ''].join('\n'),
      );
      return path.join(dir, 'p.yaml');
    }

    it('gives the next step as the dagbook command to type, in the run and in `errors`', () => {
      const file = branchesPipeline('fail-fast');
      const r = dagbook(['run', file], stateDir);
      assert.equal(r.code, 1);
      assert.ok(r.stdout.includes(`next step: the error looks temporary (1 attempt failed): retry; if it keeps failing, raise \`retry.maxAttempts\`\n  npx dagbook run ${file} broken\n`), r.stdout);
      assert.doesNotMatch(r.stdout, /await wb\./);
      const errors = dagbook(['errors', file, '--state-dir', stateDir], stateDir);
      assert.ok(errors.stdout.includes(`\n  npx dagbook run ${file} broken --state-dir ${stateDir}\n`), errors.stdout);
    });

    it('--keep-going runs the stages that do not need the failed one, over the pipeline’s fail-fast', () => {
      const file = branchesPipeline('fail-fast');
      assert.match(dagbook(['run', file], stateDir).stdout, /Stage `other` not started: the run stopped after `broken` failed \(fail-fast\)/);
      const r = dagbook(['run', file, '--keep-going'], stateDir);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^other\s+succeeded\s/m);
      assert.match(r.stdout, /stages: 1 succeeded, 1 failed;/);
    });

    it('--fail-fast stops the run at the failure, over the pipeline’s keep-going', () => {
      const file = branchesPipeline('keep-going');
      assert.match(dagbook(['run', file], stateDir).stdout, /^other\s+succeeded\s/m);
      // A fresh state: with no history the scheduler takes the stages in plan order, `broken` first.
      const r = dagbook(['run', file, '--fail-fast', '--state-dir', path.join(tmp, 'fresh-state')], stateDir);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /Stage `other` not started: the run stopped after `broken` failed \(fail-fast\)/);
      assert.match(r.stdout, /stages: 1 failed, 1 cancelled;/);
    });

    it('refuses --keep-going with --fail-fast', () => {
      const r = dagbook(['run', 'pipelines/example.yaml', '--keep-going', '--fail-fast'], stateDir);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "error: option '--keep-going' cannot be used with option '--fail-fast'\n");
    });
  });

  describe('when a command names a stage that does not exist', () => {
    it('refuses it before running anything, with the closest stage and every stage of the pipeline', () => {
      const stages = 'the stages of `orders`: load, clean, by_region, by_month, report';
      const unknown = dagbook(['run', 'pipelines/example.yaml', 'nosuchstage'], stateDir);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, `dagbook: Unknown stage \`nosuchstage\`\n${stages}\n`);
      const swapped = dagbook(['run', 'pipelines/example.yaml', 'laod'], stateDir);
      assert.equal(swapped.stderr, `dagbook: Unknown stage \`laod\`; did you mean \`load\`?\n${stages}\n`);
      assert.equal(dagbook(['plan', 'pipelines/example.yaml', 'clean', 'by_regoin'], stateDir).stderr, `dagbook: Unknown stage \`by_regoin\`; did you mean \`by_region\`?\n${stages}\n`);
      assert.equal(dagbook(['reset', 'pipelines/example.yaml', 'reprot'], stateDir).stderr, `dagbook: Unknown stage \`reprot\`; did you mean \`report\`?\n${stages}\n`);
      assert.equal(fs.existsSync(path.join(stateDir, 'orders')), false);
    });
  });

  describe('when drawing the graph to a file', () => {
    it('says what it wrote, and colours each stage by where it stands with a legend to match', () => {
      const out = path.join(tmp, 'orders.svg');
      const wrote = (summary: string) => `Wrote ${out} (${fs.statSync(out).size.toLocaleString('en-US')} bytes): ${summary}\n`;
      const fresh = dagbook(['graph', 'pipelines/example.yaml', '--out', out], stateDir);
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.equal(fresh.stdout, wrote('5 stages — 5 never run'));
      assert.equal(dagbook(['run', 'pipelines/example.yaml', 'clean'], stateDir).code, 0);
      assert.equal(dagbook(['graph', 'pipelines/example.yaml', '--out', out], stateDir).stdout, wrote('5 stages — 2 up to date, 3 never run'));
      assert.equal(dagbook(['run', 'pipelines/example.yaml'], stateDir).code, 0);
      assert.equal(dagbook(['graph', 'pipelines/example.yaml', '--out', out], stateDir).stdout, wrote('5 stages — 5 up to date'));
      const svg = fs.readFileSync(out, 'utf8');
      const legend = [...svg.matchAll(/<g class="dagbook-legend-item">.*?>([^<>]+) <tspan[^>]*>(\d+)<\/tspan>/g)].map((m) => `${m[1]} ${m[2]}`);
      assert.deepEqual(legend, ['up to date 5']);
    });
  });

  describe('when the pipeline file is not valid YAML', () => {
    it('names the file, line and column', () => {
      const file = path.join(tmp, 'broken.yaml');
      fs.writeFileSync(file, ['name: broken', 'stages:', '  a: [unclosed', ''].join('\n'));
      const r = dagbook(['run', file], stateDir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `dagbook: The pipeline definition has 1 problem:\n  - [PLAN_INVALID_FIELD] ${file}:4:1: Cannot parse \`${file}\` at line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
      );
    });
  });

  describe('when running a notebook with a failing cell', () => {
    it('names each failing cell by its position in JupyterLab and its execution count, as its help says', () => {
      const help = dagbook(['nb', 'run', '--help'], stateDir);
      assert.match(help.stdout.replace(/\s+/g, ' '), /every cell runs, and each failing cell is named as JupyterLab shows it: its position \(from 1, markdown cells counted\) and its execution count \[n\]/);
      const notebook = path.join('test', 'notebook', 'fixtures', 'failing.ipynb');
      const r = dagbook(['nb', 'run', notebook], stateDir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `${notebook}: 1 of 3 cells failed:\ncell 3 [2] (\`if (rows.length === 3) {\`): Error: fixture failure: column \`price\` has 3 negative values\n`);
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
