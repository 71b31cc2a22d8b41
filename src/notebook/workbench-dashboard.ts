import { randomBytes } from 'node:crypto';
import { escapeHtml, type Rendered } from '../display/html';
import { FONT_SANS, MUTED } from '../display/palette';
import type { CompiledPipeline } from '../plan/plan';
import type * as StatusServerModule from '../serve/status-server';
import type { StatusServer } from '../serve/status-server';

/**
 * `wb.dashboard()`: the status server's dashboard beside the cells. tslab has
 * no widget channel, so the live view is the served dashboard in a frame: a
 * server started in the kernel process, on 127.0.0.1 and a free port, once
 * per pipeline and state folder — a later call (a re-run cell, a workbench
 * opened again) reuses it, and it shows the pipeline as the latest workbench
 * has it (cells' edits included). The servers are kept on `globalThis`,
 * since a cell may load this module afresh.
 *
 * The page is the notebook's control panel too (run a stage, cancel a run,
 * retry failed items, enable or disable a stage): each server gets a random
 * token that its actions need (its reads, on loopback, need none), and the
 * frame opens the page with it once (`/?token=`). The page's script keeps it
 * for its buttons: the cookie it also sets is refused in a frame of another
 * site (JupyterLab on `localhost`, the dashboard on `127.0.0.1`), the script
 * is not. The token is in the cell's output, so in the saved notebook: it is
 * good only while the kernel that made it runs, on this machine's loopback.
 */

/** What the dashboard of a workbench shows. */
export interface DashboardSource {
  readonly name: string;
  readonly stateDir: string;
  readonly baseDir: string;
  compiled(): CompiledPipeline;
}

interface Entry {
  readonly server: Promise<StatusServer>;
  /** The server's token: its actions need it; its reads, on loopback, do not. */
  readonly token: string;
  current: DashboardSource;
}

/** A dashboard server and the address of its page with the token. */
export interface DashboardServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The page with the token once in its address (`/?token=…`): opened so, its buttons work. */
  readonly pageUrl: string;
}

const REGISTRY = Symbol.for('dagbook.dashboardServers');

function registry(): Map<string, Entry> {
  const holder = globalThis as { [REGISTRY]?: Map<string, Entry> };
  holder[REGISTRY] ??= new Map();
  return holder[REGISTRY];
}

/** The server showing `source` (started on first call), and its URLs. */
export async function dashboardServer(source: DashboardSource): Promise<DashboardServer> {
  const key = `${source.stateDir}\0${source.name}`;
  const servers = registry();
  let entry = servers.get(key);
  if (entry) {
    entry.current = source;
  } else {
    // Loaded on first use: fastify costs nothing to a notebook that never asks for a dashboard.
    const { startStatusServer } = require('../serve/status-server') as typeof StatusServerModule;
    const pipeline = { name: source.name, baseDir: source.baseDir, compiled: () => (servers.get(key) as Entry).current.compiled() };
    const token = randomBytes(24).toString('base64url');
    const created: Entry = {
      current: source,
      token,
      server: startStatusServer({ stateDir: source.stateDir, pipelines: [pipeline], host: '127.0.0.1', port: 0, token, readsNeedToken: false }),
    };
    servers.set(key, created);
    created.server.catch(() => servers.delete(key));
    entry = created;
  }
  const server = await entry.server;
  return { url: server.url, pageUrl: `${server.url}/?token=${encodeURIComponent(entry.token)}` };
}

/** Stops every dashboard server this process started (tests; a kernel ends them by ending). */
export async function closeDashboardServers(): Promise<void> {
  const servers = registry();
  const entries = [...servers.values()];
  servers.clear();
  for (const entry of entries) await (await entry.server).close();
}

/**
 * The dashboard in a frame, with a link to open it full size; as text, where it is (without the token: the text
 * goes to logs and terminals, where reads need none). The frame and the link carry the token, so their buttons work.
 */
export function renderDashboardFrame(server: DashboardServer, heightPx: number): Rendered {
  const { url, pageUrl } = server;
  const link =
    `<div style="font-family:${FONT_SANS};font-size:12.5px;color:${MUTED};margin:2px 0 6px">dashboard at ` +
    `<a href="${escapeHtml(pageUrl)}" target="_blank" rel="noopener">${escapeHtml(url)}/</a> — open it full size</div>`;
  const frame = `<iframe src="${escapeHtml(pageUrl)}" title="dagbook dashboard" style="width:100%;height:${heightPx}px;border:1px solid #d0d7de;border-radius:6px;resize:vertical;background:#fff"></iframe>`;
  return { html: link + frame, text: `Dashboard at ${url}/ (open it in a browser)` };
}
