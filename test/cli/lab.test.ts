import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { VERSION } from '../../src/version';

/**
 * `dagbook lab` (what `npm start` opens), end to end: the real CLI starts
 * JupyterLab on the project root, the server answers with the tslab kernel as
 * default and the news toast turned off, and a headless Chromium opens the
 * printed URL, runs the welcome notebook in the TypeScript kernel and sees its
 * outputs. A screenshot of the executed notebook is written to
 * test-output/screenshots/jupyterlab-welcome.png. Then `npm start` itself is
 * stopped with SIGTERM and with SIGINT, its input not a terminal, after a
 * kernel was started through the REST API.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'dagbook.js');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const WELCOME = path.join(NOTEBOOKS, '00-welcome.ipynb');
const CHECKPOINTS = path.join(NOTEBOOKS, '.ipynb_checkpoints');
const SHOT = path.join(ROOT, 'test-output', 'screenshots', 'jupyterlab-welcome.png');
const URL_TIMEOUT_MS = 60_000;
const PAGE_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/** How soon `npm start` must have stopped the server and its kernels after a signal. */
const STOPPED_WITHIN_MS = 10_000;

/** A port that was free a moment ago: listen on port 0, read it, close. */
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

/** Ids of the live processes whose parent chain leads to `pid` (not `pid` itself). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in parentheses may hold spaces: read after its closing one.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while the table was read.
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parents].filter(([, ppid]) => frontier.includes(ppid)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** True while `pid` runs (a zombie has ended: it only waits to be reaped). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(ended)';
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The running `dagbook lab`: its process, the URL it printed, and everything it wrote. */
interface Lab {
  readonly child: ChildProcess;
  readonly url: URL;
  readonly output: () => string;
}

/**
 * Spawns `dagbook lab --port <port>` (or `command`, given the port as its last
 * argument) with no terminal, and resolves once it prints the workbench URL.
 */
function startLab(port: number, started: (child: ChildProcess) => void, command: readonly string[] = [process.execPath, CLI, 'lab', '--port']): Promise<Lab> {
  // Detached: it leads its own process group, so the after hook can end it whole.
  const child = spawn(command[0], [...command.slice(1), String(port)], { cwd: ROOT, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  started(child);
  let stdout = '';
  let stderr = '';
  const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`\`${command.join(' ')}\` printed no workbench URL in ${URL_TIMEOUT_MS} ms\n${output()}`)), URL_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^dagbook workbench: (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: new URL(match[1]), output });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`\`${command.join(' ')}\` exited (code ${code}, signal ${signal}) before printing the workbench URL\n${output()}`));
    });
  });
}

/** GETs a Jupyter REST path, with the lab's token unless `token` is null. */
async function api(lab: Lab, apiPath: string, token: string | null = lab.url.searchParams.get('token')): Promise<Response> {
  try {
    return await fetch(new URL(apiPath, lab.url.origin), { headers: token === null ? {} : { Authorization: `token ${token}` } });
  } catch (error) {
    throw new Error(`GET ${apiPath} failed: ${String((error as Error).cause ?? error)}\n${lab.output()}`);
  }
}

/** GETs a Jupyter REST path with the lab's token; resolves with the parsed JSON of a 200 answer. */
async function apiJson(lab: Lab, apiPath: string): Promise<unknown> {
  const response = await api(lab, apiPath);
  assert.equal(response.status, 200, `GET ${apiPath}`);
  return response.json();
}

/** A kernel as listed by /api/sessions. */
interface SessionKernel {
  readonly name: string;
  readonly execution_state: string;
  readonly connections: number;
}

/** Polls /api/sessions until the notebook at `notebookPath` has an idle kernel with a client connected. */
async function connectedKernel(lab: Lab, notebookPath: string, timeoutMs: number): Promise<SessionKernel> {
  const deadline = Date.now() + timeoutMs;
  let seen: unknown = [];
  while (Date.now() < deadline) {
    seen = await apiJson(lab, '/api/sessions');
    const kernel = (seen as { path: string; kernel: SessionKernel | null }[]).find((s) => s.path === notebookPath)?.kernel;
    if (kernel && kernel.execution_state === 'idle' && kernel.connections > 0) return kernel;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`No idle, connected kernel for ${notebookPath} within ${timeoutMs} ms; sessions: ${JSON.stringify(seen)}`);
}

describe('dagbook lab', function () {
  this.timeout(180_000);
  let welcome: string;
  let port: number;
  let child: ChildProcess | undefined;
  let lab: Lab;
  let browser: Browser | undefined;
  /** Processes of the lab (Jupyter, its kernels) as seen while it ran. */
  let spawned: number[] = [];

  before(async () => {
    if (!fs.existsSync(path.join(ROOT, '.venv', 'bin', 'jupyter'))) {
      throw new Error('JupyterLab is not installed in .venv: run `node scripts/setup.js` (npm test does) first.');
    }
    welcome = fs.readFileSync(WELCOME, 'utf8');
    port = await freePort();
    lab = await startLab(port, (c) => (child = c));
  });

  after(async () => {
    await browser?.close();
    if (child?.pid !== undefined) {
      const group = child.pid;
      spawned = [...new Set([...spawned, ...descendants(group)])];
      if (alive(group)) {
        child.kill('SIGTERM');
        await until(() => !alive(group), STOP_TIMEOUT_MS);
      }
      // Whatever did not stop by itself: the CLI's group, then kernels in their own sessions.
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // The group is already empty.
      }
      for (const pid of spawned.filter(alive)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // It ended in the meantime.
        }
      }
    }
    // JupyterLab autosaves executed notebooks: leave notebooks/ as it was.
    if (welcome !== undefined && fs.readFileSync(WELCOME, 'utf8') !== welcome) fs.writeFileSync(WELCOME, welcome);
    // Opening it makes a checkpoint of it. One equal to the notebook holds
    // nothing (decided by content, so that runs side by side clean up too).
    const checkpoint = path.join(CHECKPOINTS, '00-welcome-checkpoint.ipynb');
    if (welcome !== undefined && fs.existsSync(checkpoint) && fs.readFileSync(checkpoint, 'utf8') === welcome) fs.rmSync(checkpoint);
    if (fs.existsSync(CHECKPOINTS) && fs.readdirSync(CHECKPOINTS).length === 0) fs.rmdirSync(CHECKPOINTS);
  });

  describe('when started on a free port', () => {
    it('prints the workbench URL of the welcome notebook with a fresh token', () => {
      assert.match(lab.url.href, new RegExp(`^http://127\\.0\\.0\\.1:${port}/lab/tree/notebooks/00-welcome\\.ipynb\\?token=[0-9a-f]{32}$`));
    });

    it('serves the tslab kernel, "TypeScript (dagbook)", as the default kernel', async () => {
      const specs = (await apiJson(lab, '/api/kernelspecs')) as { default: string; kernelspecs: Record<string, { spec: { display_name: string; language: string } }> };
      assert.equal(specs.default, 'tslab');
      assert.equal(specs.kernelspecs.tslab?.spec.display_name, 'TypeScript (dagbook)');
      assert.equal(specs.kernelspecs.tslab?.spec.language, 'typescript');
    });

    it('serves the project root, so notebooks/, pipelines/ and state/ are reachable, and hides node_modules/', async () => {
      const contents = (await apiJson(lab, '/api/contents')) as { type: string; content: { name: string; type: string }[] };
      assert.equal(contents.type, 'directory');
      const folders = contents.content.filter((item) => item.type === 'directory').map((item) => item.name);
      for (const folder of ['notebooks', 'pipelines', 'state']) assert.ok(folders.includes(folder), `${folder}/ in the folders served: ${JSON.stringify(folders)}`);
      assert.equal(folders.includes('node_modules'), false, `node_modules/ is hidden: ${JSON.stringify(folders)}`);
    });

    it('serves the welcome notebook the URL opens', async () => {
      const notebook = (await apiJson(lab, `/api/contents/${lab.url.pathname.replace(/^\/lab\/tree\//, '')}?content=0`)) as { path: string; type: string };
      assert.deepEqual({ path: notebook.path, type: notebook.type }, { path: 'notebooks/00-welcome.ipynb', type: 'notebook' });
    });

    it('starts with no saved workspace, so no notebook of an earlier session re-opens', async () => {
      const saved = (await apiJson(lab, '/lab/api/workspaces')) as { workspaces: { ids: string[] } };
      assert.deepEqual(saved.workspaces.ids, []);
    });

    it('serves the Jupyter news setting as off, so its toast never asks', async () => {
      const notification = (await apiJson(lab, '/lab/api/settings/@jupyterlab/apputils-extension:notification')) as {
        settings: { fetchNews?: string };
        schema: { properties: { fetchNews: { default: string } } };
      };
      assert.equal(notification.schema.properties.fetchNews.default, 'false');
      assert.equal(notification.settings.fetchNews ?? notification.schema.properties.fetchNews.default, 'false');
    });

    it('refuses the API without the token', async () => {
      const response = await api(lab, '/api/kernelspecs', null);
      assert.equal(response.status, 403);
    });
  });

  describe('when the printed URL is opened in a browser and every cell is run', () => {
    let page: Page;
    const errors: string[] = [];

    before(async () => {
      browser = await launchChromium();
      // Tall enough for the whole executed welcome notebook in one screenshot.
      page = await browser.newPage({ viewport: { width: 1280, height: 1150 } });
      page.setDefaultTimeout(PAGE_TIMEOUT_MS);
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      try {
        await openAndRunAll(page);
      } finally {
        // Also on failure: the picture tells what the page showed.
        fs.mkdirSync(path.dirname(SHOT), { recursive: true });
        await page.screenshot({ path: SHOT }).catch(() => undefined);
      }
    });

    async function openAndRunAll(page: Page): Promise<void> {
      await page.goto(lab.url.href, { waitUntil: 'domcontentloaded' });
      const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
      await notebook.locator('.jp-Notebook .jp-Cell').first().waitFor();
      // The kernel starts with the notebook. Until the page has a session the
      // toolbar reads "No Kernel" with an idle indicator, and Run All would ask
      // for a kernel: wait for the server to see the page connected to an idle
      // kernel, and for the page to show that kernel idle.
      await notebook.locator('.jp-Toolbar-kernelName', { hasText: 'TypeScript (dagbook)' }).waitFor();
      await connectedKernel(lab, 'notebooks/00-welcome.ipynb', PAGE_TIMEOUT_MS);
      await notebook.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first().waitFor();
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
      await notebook.locator('.jp-OutputArea-output', { hasText: 'Running in the tslab TypeScript kernel.' }).waitFor();
      await notebook.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first().waitFor();
    }

    it('shows the notebook in the TypeScript (dagbook) kernel', async () => {
      const kernelName = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName');
      assert.equal((await kernelName.innerText()).trim(), 'TypeScript (dagbook)');
    });

    it('runs the three code cells in order', async () => {
      const prompts = await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt').allInnerTexts();
      assert.deepEqual(
        prompts.map((p) => p.trim()),
        ['[1]:', '[2]:', '[3]:'],
      );
    });

    it('renders the versions table through show(), captioned "dagbook workbench"', async () => {
      const table = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output table.dagbook-table');
      assert.equal(await table.count(), 1);
      assert.equal((await table.locator('caption').innerText()).trim(), 'dagbook workbench');
      const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
      assert.deepEqual(
        rows.map((row) => row[0]),
        ['dagbook', 'node', 'v8', 'tslab', 'TypeScript (tslab)'],
      );
      assert.equal(rows[0][1], VERSION);
    });

    it('prints from the tslab kernel, with no error output', async () => {
      const outputs = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output');
      assert.equal(await outputs.filter({ hasText: 'Running in the tslab TypeScript kernel.' }).count(), 1);
      assert.equal(await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count(), 0);
      assert.deepEqual(errors, []);
    });
  });

  describe('when sent SIGTERM', () => {
    it('stops Jupyter and its kernels, leaving no process behind', async () => {
      assert.ok(child?.pid !== undefined && alive(child.pid), 'the CLI runs until told to stop');
      spawned = descendants(child.pid);
      const running = spawned.map(commandLine);
      assert.ok(running.some((cmd) => cmd.includes('jupyter-lab')), `Jupyter runs under the CLI: ${running.join('; ')}`);
      assert.ok(running.some((cmd) => /tslab kernel/.test(cmd)), `the notebook's tslab kernel runs under Jupyter: ${running.join('; ')}`);
      await browser?.close();
      browser = undefined;
      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS))]);
      assert.equal(code, 0, `the CLI exits 0 within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
      const left = () => spawned.filter(alive);
      await until(() => left().length === 0, STOP_TIMEOUT_MS);
      assert.deepEqual(left().map(commandLine), []);
    });
  });
});

/** True while 127.0.0.1:`port` accepts a connection. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', function () {
  this.timeout(180_000);

  for (const signalName of ['SIGTERM', 'SIGINT'] as const) {
    describe(`when sent ${signalName}, with no terminal and a kernel running`, () => {
      let child: ChildProcess | undefined;
      let npmPort: number;
      let kernelPid: number;
      let connectionFile: string;
      let code: number | null | 'timeout';
      let stoppedAfterMs: number;
      let stillRunning: string[];
      let seen: number[] = [];

      before(async () => {
        npmPort = await freePort();
        // npm itself, as a person runs it: npm -> sh -c -> node scripts/start.js.
        const lab = await startLab(npmPort, (c) => (child = c), ['npm', 'start', '--', '--port']);
        const token = lab.url.searchParams.get('token')!;
        const response = await fetch(new URL('/api/kernels', lab.url.origin), {
          method: 'POST',
          headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'tslab' }),
        });
        assert.equal(response.status, 201, `POST /api/kernels\n${lab.output()}`);
        const kernel = (await response.json()) as { id: string };
        const kernelOf = () => descendants(child!.pid!).find((pid) => commandLine(pid).includes(`kernel-${kernel.id}.json`));
        assert.ok(await until(() => kernelOf() !== undefined, URL_TIMEOUT_MS), `the kernel ${kernel.id} runs under npm start\n${lab.output()}`);
        kernelPid = kernelOf()!;
        assert.match(commandLine(kernelPid), /tslab kernel/);
        connectionFile = / --config-path (\S+)/.exec(commandLine(kernelPid))![1];
        assert.ok(fs.existsSync(connectionFile), `the kernel's connection file ${connectionFile} exists`);
        seen = descendants(child!.pid!);

        const exited = new Promise<number | null>((resolve) => child!.once('exit', (exitCode) => resolve(exitCode)));
        const sentAt = Date.now();
        child!.kill(signalName);
        await until(() => !alive(kernelPid), STOP_TIMEOUT_MS);
        while ((await listening(npmPort)) && Date.now() - sentAt < STOP_TIMEOUT_MS) await new Promise((resolve) => setTimeout(resolve, 100));
        stoppedAfterMs = Date.now() - sentAt;
        code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS))]);
        stillRunning = seen.filter(alive).map(commandLine);
      });

      after(() => {
        // Whatever did not stop: npm's group, then kernels in their own sessions.
        if (child?.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // The group is already empty.
          }
        }
        for (const pid of seen.filter(alive)) process.kill(pid, 'SIGKILL');
      });

      it(`closes the port and ends the kernel within ${STOPPED_WITHIN_MS} ms`, async () => {
        assert.equal(alive(kernelPid), false, `kernel ${kernelPid} still runs: ${commandLine(kernelPid)}`);
        assert.equal(await listening(npmPort), false, `port ${npmPort} still open`);
        assert.ok(stoppedAfterMs <= STOPPED_WITHIN_MS, `stopped after ${stoppedAfterMs} ms`);
      });

      it('exits 0, leaving no process of its own behind', () => {
        assert.equal(code, 0);
        assert.deepEqual(stillRunning, []);
      });

      it("removes the runtime folder with the kernel's connection file", () => {
        assert.equal(fs.existsSync(path.dirname(connectionFile)), false, `${path.dirname(connectionFile)} is left`);
      });
    });
  }
});
