import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executorArgument } from '../../src/cli/pipeline-commands';

describe('executorArgument', () => {
  describe('when no executor option is given', () => {
    it('leaves the pipeline its own executor', () => {
      assert.equal(executorArgument({}), undefined);
    });
  });

  describe('when `--executor bullmq` comes with `--redis` and `--queue`', () => {
    it('names the bullmq executor on that Redis and queue', () => {
      assert.deepEqual(executorArgument({ executor: 'bullmq', redis: 'redis://10.0.0.5:6379', queue: 'etl' }), {
        kind: 'bullmq',
        connection: 'redis://10.0.0.5:6379',
        queue: 'etl',
      });
    });
  });

  describe('when `--executor local` is given', () => {
    it('names the local executor', () => {
      assert.deepEqual(executorArgument({ executor: 'local' }), { kind: 'local' });
    });
  });

  describe('when the options do not fit together', () => {
    it('throws INVALID_OPTION saying what is missing or stray', () => {
      assert.throws(() => executorArgument({ executor: 'bullmq' }), {
        code: 'INVALID_OPTION',
        message: '`--executor bullmq` needs `--redis <url>`, e.g. `--redis redis://127.0.0.1:6379`',
      });
      assert.throws(() => executorArgument({ redis: 'redis://127.0.0.1:6379' }), {
        code: 'INVALID_OPTION',
        message: '`--redis` is for `--executor bullmq`, got `--executor (none)`',
      });
      assert.throws(() => executorArgument({ executor: 'local', queue: 'etl' }), {
        code: 'INVALID_OPTION',
        message: '`--queue` is for `--executor bullmq`, got `--executor local`',
      });
    });
  });
});

describe('dagbook run, plan and status with environments', function () {
  this.timeout(60_000);
  const root = path.resolve(__dirname, '..', '..');
  const bin = path.join(root, 'bin', 'dagbook.js');
  const SECRET = 'tk-9f2c41d7e0';
  let dir: string;
  let stateDir: string;

  const dagbook = (args: string[], env: Record<string, string> = {}) => {
    const { DAGBOOK_ENV: _unset, ...inherited } = process.env;
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...inherited, DAGBOOK_STATE_DIR: stateDir, TRIALS_API_KEY: SECRET, ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-envs-'));
    stateDir = path.join(dir, 'state');
    fs.writeFileSync(
      path.join(dir, 'stages.js'),
      [
        'exports.discover = async () => ["t1", "t2"];',
        'exports.backtest = async (ctx) => { ctx.log(`calling the broker with ${ctx.secret("API_KEY")}`); return { window: ctx.params.window, key: ctx.secret("API_KEY") }; };',
        'exports.stress = async () => "stressed";',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'trials.yaml'),
      [
        'name: trials',
        'secrets:',
        '  API_KEY: { env: TRIALS_API_KEY }',
        'environments:',
        '  dev:',
        '    stages:',
        '      backtest: { params: { window: 5 } }',
        '  prod:',
        '    stages:',
        '      stress: { enabled: true }',
        '      backtest: { params: { window: 250 } }',
        'stages:',
        '  discover: { fn: ./stages#discover }',
        '  backtest: { fn: ./stages#backtest, deps: [discover], params: { window: 20 } }',
        '  stress: { fn: ./stages#stress, deps: [backtest], enabled: false }',
        '',
      ].join('\n'),
    );
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when planning without an environment and with `--env prod`', () => {
    it('keeps the stress test disabled, then says that prod enables it, on the header and on its row', () => {
      const base = dagbook(['plan', 'trials.yaml']);
      assert.equal(base.code, 0, base.stderr);
      assert.equal(base.stdout.split('\n')[0], 'dry run of `trials`: 2 of 3 stages would run, duration unknown (no history)');
      assert.match(base.stdout, /stress\s+disabled\s+disabled in config/);
      const prod = dagbook(['plan', 'trials.yaml', '--env', 'prod']);
      assert.equal(prod.code, 0, prod.stderr);
      assert.deepEqual(prod.stdout.split('\n').slice(0, 2), [
        'dry run of `trials` (environment: prod): 3 of 3 stages would run, duration unknown (no history)',
        'environment: prod (from `environments.prod`): enables `stress`; sets `stages.backtest.params.window`',
      ]);
      assert.match(prod.stdout, /stress\s+will run\s+never ran; enabled by environment `prod`/);
    });
  });

  describe('when DAGBOOK_ENV names the environment', () => {
    it('selects it without a flag, and refuses one the pipeline does not declare, listing the known ones', () => {
      assert.equal(dagbook(['plan', 'trials.yaml'], { DAGBOOK_ENV: 'prod' }).stdout.split('\n')[1], 'environment: prod (from `environments.prod`): enables `stress`; sets `stages.backtest.params.window`');
      const unknown = dagbook(['plan', 'trials.yaml', '--env', 'prd']);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, 'dagbook: Unknown environment `prd` for `trials`: its environments are `dev`, `prod`; did you mean `prod`?\n');
    });
  });

  describe('when running with `--env prod`', () => {
    it('records the environment on the run, names it in status, redacts the secret and stores it nowhere', () => {
      const run = dagbook(['run', 'trials.yaml', '--env', 'prod']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.includes(SECRET), false);
      const status = dagbook(['status', 'trials.yaml', '--env', 'prod']);
      assert.equal(status.stdout.split('\n')[0], 'status of `trials` (environment: prod): 3 stages — 3 succeeded; 0 to run');

      const db = JSON.parse(fs.readFileSync(path.join(stateDir, 'trials', 'db.json'), 'utf8')) as { runs: Record<string, { environment?: string }> };
      assert.deepEqual(Object.values(db.runs).map((r) => r.environment), ['prod']);
      const [runId] = Object.keys(db.runs);
      const lines = fs.readFileSync(path.join(stateDir, 'trials', 'runs', runId, 'events.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
      const events = lines.map((l) => JSON.parse(l) as { kind: string; event?: { type: string; message: string } }).flatMap((l) => (l.event === undefined ? [] : [l.event]));
      assert.deepEqual(events.filter((e) => e.type === 'LOG').map((e) => e.message), ['calling the broker with ***']);

      const files = fs.readdirSync(stateDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => path.join(f.parentPath, f.name));
      assert.ok(files.length >= 3, files.join(', '));
      assert.deepEqual(files.filter((f) => fs.readFileSync(f).includes(SECRET)), []);
    });
  });

  describe("when the secret's variable is not set", () => {
    it('plans, shows the status and the events, and refuses to run with SECRET_MISSING before any stage runs', () => {
      assert.equal(dagbook(['run', 'trials.yaml']).code, 0);
      const unset = { TRIALS_API_KEY: '' };
      const plan = dagbook(['plan', 'trials.yaml'], unset);
      assert.equal(plan.code, 0, plan.stderr);
      assert.equal(plan.stdout.split('\n')[0], 'dry run of `trials`: 0 of 3 stages would run');
      const status = dagbook(['status', 'trials.yaml'], unset);
      assert.equal(status.code, 0, status.stderr);
      assert.equal(status.stdout.split('\n')[0], 'status of `trials`: 3 stages — 2 succeeded, 1 skipped; 0 to run');
      const events = dagbook(['events', 'trials.yaml', '--json'], unset);
      assert.equal(events.code, 0, events.stderr);
      assert.equal((JSON.parse(events.stdout.trim().split('\n').at(-1) as string) as { event_type: string }).event_type, 'PIPELINE_COMPLETE');

      const run = dagbook(['run', 'trials.yaml', '--force'], unset);
      assert.deepEqual([run.code, run.stdout, run.stderr], [
        1,
        '',
        'dagbook: `trials` needs a secret whose environment variable is not set: `API_KEY` (variable `TRIALS_API_KEY`); set it before loading the pipeline\n',
      ]);
      const db = JSON.parse(fs.readFileSync(path.join(stateDir, 'trials', 'db.json'), 'utf8')) as { runs: Record<string, unknown> };
      assert.equal(Object.keys(db.runs).length, 1);
    });
  });

  describe('when the environment changes between runs', () => {
    it('re-runs only what the environment changes, not everything', () => {
      assert.equal(dagbook(['run', 'trials.yaml', '--env', 'prod']).code, 0);
      const dev = dagbook(['plan', 'trials.yaml', '--env', 'dev']);
      assert.equal(dev.stdout.split('\n')[0].replace(/~\d+ ms/, '~N ms'), 'dry run of `trials` (environment: dev): 1 of 3 stages would run, ~N ms estimated');
      assert.match(dev.stdout, /discover\s+up to date\s+up to date/);
      assert.match(dev.stdout, /backtest\s+will run\s+param `window` changed/);
      assert.match(dev.stdout, /stress\s+disabled\s+disabled in config/);
      assert.match(dagbook(['plan', 'trials.yaml', '--env', 'prod']).stdout, /0 of 3 stages would run/);
    });
  });
});
