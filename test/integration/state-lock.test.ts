import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStateLock } from '../../src/store/state-lock';
import { crashScript, killHard, runScript, sideEffects, startScript, tempDir, waitForMarker, type RunningChild } from './fixtures/child';

describe('state lock between real processes', function () {
  this.timeout(60_000);
  let dir: string;
  let stateDir: string;
  let sideLog: string;
  let marker: string;
  let holder: RunningChild | undefined;
  const args = (extra: string[]) => ['--state-dir', stateDir, '--side-log', sideLog, '--marker', marker, ...extra];
  const lockPath = () => path.join(stateDir, 'crashy', 'lock');

  beforeEach(() => {
    dir = tempDir();
    stateDir = path.join(dir, 'state');
    sideLog = path.join(dir, 'side.log');
    marker = path.join(dir, 'marker');
  });
  afterEach(async () => {
    if (holder && holder.child.exitCode === null && holder.child.signalCode === null) await killHard(holder);
    holder = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when a second run starts while another process holds the state', () => {
    it('fails at once with STATE_LOCKED naming the holder pid and command, and runs nothing', async () => {
      holder = startScript(crashScript, args(['--run-id', 'run-1']), { CRASH_AT: 'inside:cube' });
      await waitForMarker(holder, marker);
      const holderPid = holder.child.pid as number;
      const before = sideEffects(sideLog);

      const second = await runScript(crashScript, args(['--run-id', 'run-2']));

      assert.equal(second.code, 1);
      assert.match(second.stderr, new RegExp(`^FAILED STATE_LOCKED: The state is locked by pid ${holderPid} on `, 'm'));
      assert.match(second.stderr, /crash-pipeline\.ts/);
      assert.ok(second.stderr.includes(lockPath()), second.stderr);
      assert.equal(holder.child.exitCode, null); // It did not wait for the holder to end.
      assert.deepEqual(sideEffects(sideLog), before);
      assert.equal(fs.existsSync(path.join(stateDir, 'crashy', 'runs', 'run-2')), false);
      assert.equal(readStateLock(lockPath())?.pid, holderPid);
    });
  });

  describe('when the holder was SIGKILLed', () => {
    it('lets the next process take over the stale lock, resume the run, and release the lock at its end', async () => {
      holder = startScript(crashScript, args(['--run-id', 'run-1']), { CRASH_AT: 'inside:cube' });
      await waitForMarker(holder, marker);
      const holderPid = holder.child.pid as number;
      await killHard(holder);
      assert.equal(readStateLock(lockPath())?.pid, holderPid); // The killed holder could not clean up.

      const next = await runScript(crashScript, args(['--resume', 'run-1']));

      assert.equal(next.code, 0, next.stderr);
      assert.equal(JSON.parse(next.stdout.trim()).status, 'SUCCEEDED');
      assert.equal(fs.existsSync(lockPath()), false);
      assert.deepEqual(fs.readdirSync(path.join(stateDir, 'crashy')).filter((f) => f.startsWith('lock')), []);
    });
  });
});
