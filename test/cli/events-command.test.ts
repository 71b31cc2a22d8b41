import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventText } from '../../src/display/event-text';
import { publicEventSchema, toPublicEvent } from '../../src/events/public-event';
import { latestRunId, readRunEvents } from '../../src/query/run-events';
import { repoRoot, startScript, waitForMarker, type RunningChild } from '../integration/fixtures/child';

const bin = path.join(repoRoot, 'bin', 'dagbook.js');
const stages = path.join(repoRoot, 'test', 'integration', 'fixtures', 'watched-stages.ts');

describe('dagbook events', function () {
  this.timeout(60_000);
  let tmp: string;
  let stateDir: string;
  let gate: string;
  let file: string;
  const children: RunningChild[] = [];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-events-cli-'));
    stateDir = path.join(tmp, 'state');
    gate = path.join(tmp, 'gate');
    fs.mkdirSync(gate);
    file = path.join(tmp, 'watched.yaml');
    fs.writeFileSync(
      file,
      ['name: watched', 'stages:', `  first: { fn: "${stages}#quick" }`, `  gated: { fn: "${stages}#gated", deps: [first], params: { gate: "${gate}" } }`, `  last: { fn: "${stages}#quick", deps: [gated] }`, ''].join('\n'),
    );
  });

  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGKILL');
        await c.exited;
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const start = (args: string[]) => {
    const c = startScript(bin, args, { DAGBOOK_STATE_DIR: stateDir }, []);
    children.push(c);
    return c;
  };

  describe('when following the latest run with --json while another process runs it', () => {
    it('prints every event as a public JSON line as the run writes it, and exits 0 when the run ends', async () => {
      const run = start(['run', file]);
      await waitForMarker(run, path.join(gate, 'started'), 30_000);
      const follower = start(['events', file, '--follow', '--json']);
      // The follower has started printing before the run goes on: the rest reaches it while it follows.
      await new Promise<void>((resolve) => follower.child.stdout!.once('data', () => resolve()));
      fs.writeFileSync(path.join(gate, 'release'), '');
      const [ran, followed] = await Promise.all([run.exited, follower.exited]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(followed.code, 0, followed.stderr);
      const runId = await latestRunId(stateDir, 'watched');
      const expected = (await readRunEvents(stateDir, 'watched', runId)).map((e) => JSON.stringify(toPublicEvent(e)));
      assert.deepEqual(followed.stdout.split('\n').filter((l) => l !== ''), expected);
      const lines = expected.map((l) => JSON.parse(l));
      for (const l of lines) assert.equal(publicEventSchema.safeParse(l).success, true);
      assert.deepEqual(
        lines.map((l) => `${l.event_type} ${l.step_name}`),
        ['RUN_START null', 'STEP_START first', 'STEP_SUCCESS first', 'STEP_START gated', 'STEP_SUCCESS gated', 'STEP_START last', 'STEP_SUCCESS last', 'PIPELINE_COMPLETE null'],
      );
    });
  });

  describe('when printing an ended run as text, by id', () => {
    it('prints one readable line per event and exits 0', async () => {
      fs.writeFileSync(path.join(gate, 'release'), '');
      const ran = await start(['run', file]).exited;
      assert.equal(ran.code, 0, ran.stderr);
      const runId = await latestRunId(stateDir, 'watched');
      const printed = spawnSync(process.execPath, [bin, 'events', file, runId], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DAGBOOK_STATE_DIR: stateDir } });
      assert.equal(printed.status, 0, printed.stderr);
      assert.equal(printed.stdout, (await readRunEvents(stateDir, 'watched', runId)).map((e) => `${eventText(toPublicEvent(e))}\n`).join(''));
      assert.match(printed.stdout.split('\n')[1], /^\S+Z INFO {4}STEP_START {8}first {8}/);
    });
  });

  describe('when exporting the latest run with `dagbook export`', () => {
    it('writes its folder and says where', async () => {
      fs.writeFileSync(path.join(gate, 'release'), '');
      assert.equal((await start(['run', file]).exited).code, 0);
      const runId = await latestRunId(stateDir, 'watched');
      const out = path.join(tmp, 'export');
      const exported = spawnSync(process.execPath, [bin, 'export', file, '--out', out], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DAGBOOK_STATE_DIR: stateDir } });
      assert.equal(exported.status, 0, exported.stderr);
      assert.equal(exported.stdout, `Exported run ${runId} to ${out}: 7 files.\n`);
      assert.equal(fs.readFileSync(path.join(out, 'outputs', 'gated.output.json'), 'utf8'), '"released"\n');
      assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8')).run_id, runId);
    });
  });

  describe('when the run does not exist', () => {
    it('exits 1 naming the run', () => {
      const printed = spawnSync(process.execPath, [bin, 'events', file, 'run_20240101_000000_zzzz'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DAGBOOK_STATE_DIR: stateDir } });
      assert.equal(printed.status, 1);
      assert.equal(printed.stderr, 'dagbook: Expected `runId` to name a run of `watched`, got `run_20240101_000000_zzzz`\n');
    });
  });
});
