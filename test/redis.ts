import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';

/** Debian's Redis server, which `npm test` installs when missing (scripts/setup.js --tests). */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** A Redis server started for tests. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The loopback port it listens on. */
  readonly port: number;
  /** The server process (the current one, after a restart). */
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its folder. */
  stop(): Promise<void>;
  /** Stops the server, keeping its folder (what it saved stays for the next start). */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and folder, once shut down; resolves when it answers PING. */
  restart(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Keep data across restarts (append-only file, fsynced every second). @default false */
  readonly persistence?: boolean;
}

/** A free loopback port, from the kernel. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when the server at `url` answers PING; rejects after `timeoutMs` or when the server exits first. */
async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before it answered PING`);
    const client = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server at ${url} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts Debian's `redis-server` for tests on a free loopback port, in a
 * temp folder, with persistence off (`--save '' --appendonly no`) unless
 * asked, and waits until it answers PING. Call `stop()` in an `after` hook.
 * @throws when redis-server is missing, saying how to install it
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: the queue tests need Redis. Install it with \`apt-get install redis-server\` (npm test does so when run as root).`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.persistence ? 'yes' : 'no'];
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async (): Promise<void> => {
    child = spawn(REDIS_SERVER, [...args, '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
    const current = child;
    exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    await waitForPing(url, current, 10_000);
  };
  const shutdown = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async (): Promise<void> => {
    await shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port,
    get process() {
      return child;
    },
    stop,
    shutdown,
    restart: launch,
  };
}
