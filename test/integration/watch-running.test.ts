import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkbench } from '../../src/notebook/workbench';
import { openStateReader } from '../../src/store/state-reader';
import { repoRoot, startScript, tempDir, waitForMarker, type RunningChild } from './fixtures/child';

/**
 * Readers never take the writer's lock: while a real child process runs a
 * pipeline (held at its `gated` stage), `dagbook status` and the workbench's
 * `status()` and `plan()` read its progress so far.
 */

const bin = path.join(repoRoot, 'bin', 'dagbook.js');
const stages = path.join(__dirname, 'fixtures', 'watched-stages.ts');

describe('watching a running pipeline', function () {
  this.timeout(60_000);
  let tmp: string;
  let stateDir: string;
  let gate: string;
  let file: string;
  let child: RunningChild | undefined;

  beforeEach(() => {
    tmp = tempDir('dagbook-watch-');
    stateDir = path.join(tmp, 'state');
    gate = path.join(tmp, 'gate');
    fs.mkdirSync(gate);
    file = path.join(tmp, 'watched.yaml');
    fs.writeFileSync(
      file,
      [
        'name: watched',
        'stages:',
        `  first: { fn: "${stages}#quick" }`,
        `  second: { fn: "${stages}#quick", deps: [first] }`,
        `  gated: { fn: "${stages}#gated", deps: [second], params: { gate: "${gate}" } }`,
        `  last: { fn: "${stages}#quick", deps: [gated] }`,
        '',
      ].join('\n'),
    );
  });

  afterEach(async () => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    child = undefined;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('when another process is in the middle of a run', () => {
    it('shows it RUNNING with the finished stages SUCCEEDED, through the CLI and the API, and the run still ends well', async () => {
      child = startScript(bin, ['run', file], { DAGBOOK_STATE_DIR: stateDir });
      await waitForMarker(child, path.join(gate, 'started'), 30_000);

      const cli = spawnSync(process.execPath, [bin, 'status', file], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DAGBOOK_STATE_DIR: stateDir } });
      assert.equal(cli.status, 0, cli.stderr);
      assert.match(cli.stdout, /first\s+succeeded/);
      assert.match(cli.stdout, /second\s+succeeded/);
      assert.match(cli.stdout, /gated\s+running/);
      assert.match(cli.stdout, /last\s+never run/);

      const wb = await openWorkbench(file, { stateDir, quiet: true });
      const rows = await wb.status();
      assert.deepEqual(rows.map((r) => [r.stageId, r.status]), [
        ['first', 'SUCCEEDED'],
        ['second', 'SUCCEEDED'],
        ['gated', 'RUNNING'],
        ['last', 'NEVER_RUN'],
      ]);
      const dry = await wb.plan();
      assert.deepEqual(dry.rows.map((r) => [r.stageId, r.action]), [
        ['first', 'skip'],
        ['second', 'skip'],
        ['gated', 'run'],
        ['last', 'run'],
      ]);
      const reader = await openStateReader({ stateDir, pipeline: 'watched' });
      assert.deepEqual((await reader.listRuns()).map((r) => r.status), ['RUNNING']);

      fs.writeFileSync(path.join(gate, 'release'), '');
      const ended = await child.exited;
      assert.equal(ended.code, 0, ended.stderr);
      assert.deepEqual((await wb.status()).map((r) => [r.stageId, r.status]), [
        ['first', 'SUCCEEDED'],
        ['second', 'SUCCEEDED'],
        ['gated', 'SUCCEEDED'],
        ['last', 'SUCCEEDED'],
      ]);
    });
  });
});
