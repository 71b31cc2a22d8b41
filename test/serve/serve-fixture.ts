import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench } from '../../src/notebook/workbench';

/**
 * A small trial pipeline in a temp project for the status server's tests:
 * `discover` reads `trials.json`; `backtest` (per item) fails the trials
 * marked `fail`, and waits while a `gate` file exists (so a test holds a
 * run open in another process, with its lock, for as long as it needs);
 * `deploy` (per item) follows `backtest`.
 */

export const repoRoot = path.join(__dirname, '..', '..');

/** One trial of `trials.json`. */
export interface Trial {
  readonly id: string;
  readonly score: number;
  readonly fail?: boolean;
}

const STAGES = `
const fs = require('node:fs');
const path = require('node:path');
exports.discover = () => JSON.parse(fs.readFileSync(path.join(__dirname, 'trials.json'), 'utf8')).map((t) => ({ id: t.id, hash: JSON.stringify(t), payload: t }));
exports.backtest = async (ctx) => {
  const gate = path.join(__dirname, 'gate');
  while (fs.existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 20));
  if (ctx.item.payload.fail) throw new Error('no fills for trial ' + ctx.item.id);
  return { score: ctx.item.payload.score };
};
exports.deploy = (ctx) => ({ deployed: ctx.item.id });
`;

const PIPELINE = `name: trials
stages:
  discover:
    fn: ./stages.js#discover
    discovery: true
  backtest:
    fn: ./stages.js#backtest
    forEach: discover
    maxFailureRate: 0.5
    retry: { maxAttempts: 1 }
  deploy:
    fn: ./stages.js#deploy
    forEach: discover
    deps: [backtest]
`;

/** A temp project with the trial pipeline. */
export interface TrialProject {
  readonly dir: string;
  readonly file: string;
  readonly stateDir: string;
  setTrials(trials: readonly Trial[]): void;
  /** Makes `backtest` wait until {@link openGate}. */
  closeGate(): void;
  openGate(): void;
}

/** Makes the project in a new temp folder. */
export function makeTrialProject(): TrialProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-serve-'));
  fs.writeFileSync(path.join(dir, 'stages.js'), STAGES);
  fs.writeFileSync(path.join(dir, 'trials.yaml'), PIPELINE);
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir);
  return {
    dir,
    file: path.join(dir, 'trials.yaml'),
    stateDir,
    setTrials: (trials) => fs.writeFileSync(path.join(dir, 'trials.json'), JSON.stringify(trials)),
    closeGate: () => fs.writeFileSync(path.join(dir, 'gate'), ''),
    openGate: () => fs.rmSync(path.join(dir, 'gate'), { force: true }),
  };
}

/** Runs the pipeline (or `target` alone) in this process, quietly. */
export async function runHere(project: TrialProject, target?: string): Promise<string> {
  const wb = await openWorkbench(project.file, { stateDir: project.stateDir, quiet: true });
  const result = await wb.run(target, target === undefined ? {} : { only: true });
  return result.runId;
}

/** Runs the whole pipeline in a child process; resolves with its exit code. */
export function runInChild(project: TrialProject): { child: ChildProcess; exit: Promise<number | null> } {
  const code = `require('./src/notebook/workbench').openWorkbench(${JSON.stringify(project.file)}, { stateDir: ${JSON.stringify(project.stateDir)}, quiet: true }).then((wb) => wb.run()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (status) => resolve(status)));
  return { child, exit };
}

/** One Server-Sent Event. */
export interface SseMessage {
  readonly event: string;
  readonly id?: string;
  readonly data: any;
}

/**
 * Reads an event stream until `stop` says so (or it ends), calling `stop` with each message;
 * `opened` is called once the server has answered (its stream is open).
 * Resolves with every message read.
 */
export async function readSse(
  url: string,
  stop: (message: SseMessage, all: readonly SseMessage[]) => boolean,
  headers: Record<string, string> = {},
  opened: () => void = () => {},
): Promise<SseMessage[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200) throw new Error(`event stream ${url} answered ${response.status}: ${await response.text()}`);
  opened();
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return messages;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
        if (fields.data === undefined) continue;
        const message: SseMessage = { event: fields.event ?? 'message', ...(fields.id === undefined ? {} : { id: fields.id }), data: JSON.parse(fields.data) };
        messages.push(message);
        if (stop(message, messages)) return messages;
      }
    }
  } finally {
    controller.abort();
  }
}

/** Polls `check` every 50 ms until it returns a value (not undefined), for at most `limitMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, limitMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
