import * as fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toPublicEvent } from '../events/public-event';
import { followRunEvents, runLogEnded, type FollowEnd } from '../query/run-events';
import { writerActive } from '../store/run-log-tail';
import { runLogPath, statePaths, type StatePaths } from '../store/state-paths';

/**
 * Server-Sent Events over a hijacked fastify reply. A run's stream sends
 * each event as one message (`id:` its `seq`, `data:` its public event line,
 * the teams' shape of events/public-event.ts, as `dagbook events --json`
 * prints it), the events already written first, then each new one live, as
 * query/run-events.ts follows them, and ends with an `end` event
 * (`{ "end": "completed" | "interrupted" }`) when the run does; a client that
 * reconnects with `Last-Event-ID` gets only the later events. A
 * pipeline's stream (what the dashboard listens to) sends a `run` event when
 * a run begins and then that run's events, for as long as the client stays.
 * A comment line every 15 s keeps idle connections open through proxies.
 */

/** An open event stream. */
export interface EventStream {
  /** Aborted when the client goes away (or the stream is closed). */
  readonly signal: AbortSignal;
  /** Sends one message. */
  send(data: unknown, options?: { readonly event?: string; readonly id?: number }): void;
  /** Ends the stream. */
  close(): void;
}

const KEEP_ALIVE_MS = 15_000;

/** Takes the reply over from fastify and starts an event stream on it. */
export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write(': dagbook event stream\n\n');
  const controller = new AbortController();
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const stop = () => {
    clearInterval(keepAlive);
    controller.abort();
  };
  request.raw.on('close', stop);
  raw.on('close', stop);
  return {
    signal: controller.signal,
    send(data, options = {}) {
      if (controller.signal.aborted) return;
      const lines = [...(options.event ? [`event: ${options.event}`] : []), ...(options.id === undefined ? [] : [`id: ${options.id}`]), `data: ${JSON.stringify(data)}`];
      raw.write(`${lines.join('\n')}\n\n`);
    },
    close() {
      stop();
      raw.end();
    },
  };
}

/** Where a run's events are read. */
export interface RunEventSource {
  /** The state folder. */
  readonly stateDir: string;
  /** The pipeline's name. */
  readonly pipeline: string;
  /** Time between two reads of a log when no change is seen, ms. */
  readonly pollMs: number;
}

/** Sends each event of a followed run (its public line, `id:` its seq) and resolves with how the follow ended. */
async function sendRunEvents(source: RunEventSource, runId: string, stream: EventStream, afterSeq: number): Promise<FollowEnd> {
  const events = followRunEvents(source.stateDir, source.pipeline, runId, { after: afterSeq, pollMs: source.pollMs, signal: stream.signal });
  for (;;) {
    const next = await events.next();
    if (next.done) return next.value;
    stream.send(toPublicEvent(next.value), { id: next.value.seq });
  }
}

/** Streams a run's events (after `afterSeq`), then `end`, then closes. */
export async function streamRunEvents(source: RunEventSource, runId: string, stream: EventStream, afterSeq: number): Promise<void> {
  let end: FollowEnd;
  try {
    end = await sendRunEvents(source, runId, stream, afterSeq);
  } catch (error) {
    stream.send({ error: { code: (error as { code?: string }).code ?? 'INTERNAL', message: (error as Error).message } }, { event: 'error' });
    stream.close();
    return;
  }
  if (end !== 'aborted') stream.send({ end }, { event: 'end' });
  stream.close();
}

/** The run folders under `runs/` whose log exists now (a folder is made a moment before its log). */
function runFolders(paths: StatePaths): Set<string> {
  try {
    return new Set(fs.readdirSync(paths.runs).filter((runId) => fs.existsSync(runLogPath(paths, runId))));
  } catch {
    return new Set();
  }
}

/**
 * Streams a pipeline's runs as they happen: the run going on when the client
 * connects (its events so far first), then every run that begins later, or
 * is resumed (`run` event `{ runId }`, then its events, then `run-end`),
 * until the client goes away.
 */
export async function streamPipelineEvents(source: RunEventSource, stream: EventStream): Promise<void> {
  const paths = statePaths(source.stateDir, source.pipeline);
  const seen = runFolders(paths);
  const following = new Set<string>();
  const follow = (runId: string) => {
    following.add(runId);
    stream.send({ runId }, { event: 'run' });
    void sendRunEvents(source, runId, stream, 0)
      .then((end) => {
        if (end !== 'aborted') stream.send({ runId, end }, { event: 'run-end' });
      })
      .catch(() => undefined)
      .finally(() => following.delete(runId));
  };
  while (!stream.signal.aborted) {
    const folders = [...runFolders(paths)].sort();
    for (const runId of folders) {
      if (seen.has(runId)) continue;
      seen.add(runId);
      follow(runId);
    }
    // A run going on (the newest folder while a live process holds the lock) that is not followed: one going on at
    // connect, or an older run resumed.
    const newest = folders[folders.length - 1];
    if (newest !== undefined && following.size === 0 && writerActive(paths) && !(await runLogEnded(source.stateDir, source.pipeline, newest).catch(() => true))) follow(newest);
    await new Promise((resolve) => setTimeout(resolve, source.pollMs));
  }
}
