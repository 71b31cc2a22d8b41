import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

describe('the headless notebook runner, when a kernel never answers at start-up', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-nb-deaf-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('starts another kernel, up to three in all, then gives up saying why', () => {
    // A kernel that starts and never answers, as tslab does when a request meets its sockets mid-bind.
    const spec = path.join(tmp, 'jupyter', 'kernels', 'deaf');
    fs.mkdirSync(spec, { recursive: true });
    fs.writeFileSync(path.join(spec, 'kernel.json'), JSON.stringify({ argv: ['sleep', '600'], display_name: 'deaf', language: 'typescript' }));
    const notebook = path.join(tmp, 'one.ipynb');
    fs.writeFileSync(notebook, JSON.stringify({ cells: [{ cell_type: 'code', id: 'c1', metadata: {}, source: '1', outputs: [], execution_count: null }], metadata: { kernelspec: { name: 'deaf' } }, nbformat: 4, nbformat_minor: 5 }));
    const python = path.join(root, '.venv', 'bin', 'python');
    const started = Date.now();
    const r = spawnSync(python, [path.join(root, 'scripts', 'nb_run.py'), notebook], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: path.join(tmp, 'jupyter'), JUPYTER_PLATFORM_DIRS: '1', DAGBOOK_NB_STARTUP_TIMEOUT: '2' },
    });
    assert.notEqual(r.status, 0);
    const restarts = r.stderr.split('\n').filter((line) => line.startsWith('dagbook nb run: the kernel did not start'));
    assert.deepEqual(
      restarts.map((line) => line.replace(/\(.*\); /, '(…); ')),
      ['dagbook nb run: the kernel did not start (…); starting another (2 of 3)', 'dagbook nb run: the kernel did not start (…); starting another (3 of 3)'],
    );
    assert.match(r.stderr, /RuntimeError: Kernel didn't respond in 2 seconds/);
    assert.ok(Date.now() - started < 45_000);
  });
});
