import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { acquireStateLock, currentBootId, readStateLock } from '../../src/store/state-lock';
import { tempDir } from './fixtures';

const repoRoot = path.resolve(__dirname, '../..');
const lockModule = path.join(repoRoot, 'src/store/state-lock.ts');

/** Starts a real node process that takes the lock and holds it until killed. */
function holdLockInChild(lockPath: string): Promise<ChildProcess> {
  const code = `
    const { acquireStateLock } = require(${JSON.stringify(lockModule)});
    acquireStateLock({ lockPath: ${JSON.stringify(lockPath)}, command: 'child holder' });
    process.stdout.write('locked\\n');
    setInterval(() => {}, 60000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    child.stdout!.on('data', (d) => {
      if (String(d).includes('locked')) resolve(child);
    });
    child.on('exit', (codeOut) => reject(new Error(`child exited with ${codeOut}: ${err}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('acquireStateLock', () => {
  let dir: string;
  let lockPath: string;
  beforeEach(() => {
    dir = tempDir();
    lockPath = path.join(dir, 'etl', 'lock');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when the lock is free', () => {
    it('creates the lock file holding pid, host, start, command and boot id, and removes it on release', () => {
      const lock = acquireStateLock({ lockPath, command: 'dagbook run etl', now: () => Date.UTC(2024, 0, 2), bootId: 'boot-2' });
      assert.deepEqual(readStateLock(lockPath), {
        pid: process.pid,
        hostname: os.hostname(),
        startedAt: '2024-01-02T00:00:00.000Z',
        command: 'dagbook run etl',
        bootId: 'boot-2',
      });
      lock.release();
      assert.equal(fs.existsSync(lockPath), false);
      lock.release();
    });
  });

  describe('when a live process holds it', () => {
    let child: ChildProcess | undefined;
    afterEach(async () => {
      if (child && child.exitCode === null && child.signalCode === null) await killAndWait(child);
      child = undefined;
    });

    it('fails at once with STATE_LOCKED naming the holder and the lock path', async () => {
      child = await holdLockInChild(lockPath);
      assert.throws(
        () => acquireStateLock({ lockPath }),
        (e: unknown) =>
          hasErrorCode(e, 'STATE_LOCKED') &&
          e.message.includes(`pid ${child!.pid}`) &&
          e.message.includes(os.hostname()) &&
          e.message.includes('child holder') &&
          e.message.includes(lockPath),
      );
    });

    it('takes it over once the holder is SIGKILLed', async () => {
      child = await holdLockInChild(lockPath);
      const childPid = child.pid;
      await killAndWait(child);
      assert.equal(readStateLock(lockPath)?.pid, childPid); // The killed holder could not clean up.
      const lock = acquireStateLock({ lockPath });
      assert.equal(lock.tookOverFrom?.pid, childPid);
      assert.equal(readStateLock(lockPath)?.pid, process.pid);
      assert.deepEqual(fs.readdirSync(path.dirname(lockPath)), ['lock']);
      lock.release();
    });
  });

  describe('when this process already holds it', () => {
    it('fails with STATE_LOCKED saying it is this very process', () => {
      const lock = acquireStateLock({ lockPath });
      try {
        assert.throws(() => acquireStateLock({ lockPath }), (e: unknown) => hasErrorCode(e, 'STATE_LOCKED') && e.message.includes('this very process'));
      } finally {
        lock.release();
      }
    });
  });

  describe('when the lock was left by an earlier boot of this host (a power cut) and its pid is alive again', () => {
    const leftBy = (bootId?: string) => {
      fs.mkdirSync(path.dirname(lockPath), { recursive: true });
      fs.writeFileSync(lockPath, JSON.stringify({ pid: 1, hostname: os.hostname(), startedAt: 's', command: 'before the cut', ...(bootId ? { bootId } : {}) }));
    };

    it('takes it over: the pid now belongs to another process', () => {
      leftBy('boot-1');
      const lock = acquireStateLock({ lockPath, bootId: 'boot-2', isAlive: () => true });
      assert.deepEqual(lock.tookOverFrom, { pid: 1, hostname: os.hostname(), startedAt: 's', command: 'before the cut', bootId: 'boot-1' });
      assert.equal(readStateLock(lockPath)?.bootId, 'boot-2');
      assert.deepEqual(fs.readdirSync(path.dirname(lockPath)), ['lock']);
      lock.release();
    });

    it('fails with STATE_LOCKED when the boot is the same, or the lock or this host has no boot id (the pid alone decides)', () => {
      leftBy('boot-2');
      const locked = (e: unknown) => hasErrorCode(e, 'STATE_LOCKED') && e.message.includes('pid 1 ') && e.message.includes('before the cut');
      assert.throws(() => acquireStateLock({ lockPath, bootId: 'boot-2', isAlive: () => true }), locked);
      assert.throws(() => acquireStateLock({ lockPath, bootId: null, isAlive: () => true }), locked);
      leftBy();
      assert.throws(() => acquireStateLock({ lockPath, bootId: 'boot-2', isAlive: () => true }), locked);
    });
  });

  describe('when the boot id is read from the host', () => {
    it('is the text of /proc/sys/kernel/random/boot_id, trimmed (null where there is none)', () => {
      const file = '/proc/sys/kernel/random/boot_id';
      assert.equal(currentBootId(), fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null);
    });
  });

  describe('when the holder pid is dead but on another host', () => {
    it('does not take it over', () => {
      fs.mkdirSync(path.dirname(lockPath), { recursive: true });
      fs.writeFileSync(lockPath, JSON.stringify({ pid: 1234, hostname: 'other-host', startedAt: 'x', command: 'c' }));
      assert.throws(() => acquireStateLock({ lockPath, isAlive: () => false }), (e: unknown) => hasErrorCode(e, 'STATE_LOCKED') && e.message.includes('other-host'));
    });
  });

  describe('when the lock file cannot be read', () => {
    it('fails with STATE_LOCKED rather than guessing', () => {
      fs.mkdirSync(path.dirname(lockPath), { recursive: true });
      fs.writeFileSync(lockPath, '{"pid":');
      assert.throws(() => acquireStateLock({ lockPath }), (e: unknown) => hasErrorCode(e, 'STATE_LOCKED') && e.message.includes('cannot be read'));
    });
  });

  describe('when another taker replaces the stale lock while this one judges it', () => {
    it('puts the live lock back and fails with STATE_LOCKED naming that taker', () => {
      fs.mkdirSync(path.dirname(lockPath), { recursive: true });
      fs.writeFileSync(lockPath, JSON.stringify({ pid: 111, hostname: os.hostname(), startedAt: 's', command: 'dead' }));
      const live = JSON.stringify({ pid: 222, hostname: os.hostname(), startedAt: 's', command: 'winner' });
      const isAlive = (pid: number): boolean => {
        if (pid === 111) {
          fs.writeFileSync(lockPath, live); // The other taker wins in between.
          return false;
        }
        return true;
      };
      assert.throws(() => acquireStateLock({ lockPath, isAlive }), (e: unknown) => hasErrorCode(e, 'STATE_LOCKED') && e.message.includes('pid 222'));
      assert.equal(fs.readFileSync(lockPath, 'utf8'), live);
      assert.deepEqual(fs.readdirSync(path.dirname(lockPath)), ['lock']);
    });
  });

  describe('when the lock is released by another copy after being judged stale', () => {
    it('does not remove a lock that is no longer its own', () => {
      const lock = acquireStateLock({ lockPath });
      fs.writeFileSync(lockPath, JSON.stringify({ pid: 99, hostname: 'h', startedAt: 's', command: 'c' }));
      lock.release();
      assert.equal(readStateLock(lockPath)?.pid, 99);
    });
  });
});
