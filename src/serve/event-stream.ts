import * as fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PipelineEvent } from '../events/event';
import type { StatePaths } from '../store/state-paths';
import { endedLog, followRunEvents, writerHoldsLock, type FollowEnd } from './run-event-reader';

/**
 * Server-Sent Events over a hijacked fastify reply. A run's stream sends
 * each event as one message (`id:` its `seq`, `data:` the event as JSON), the
 * events already written first, then each new one live, and ends with an
 * `end` event (`{ "end": "completed" | "interrupted" }`) when the run does; a
 * client that reconnects with `Last-Event-ID` gets only the later events. A
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

/** Streams a run's events (after `afterSeq`), then `end`, then closes. */
export async function streamRunEvents(paths: StatePaths, runId: string, stream: EventStream, afterSeq: number, pollMs: number): Promise<void> {
  let end: FollowEnd;
  try {
    end = await followRunEvents(paths, runId, (event) => {
      if (event.seq > afterSeq) stream.send(event, { id: event.seq });
    }, { signal: stream.signal, pollMs });
  } catch (error) {
    stream.send({ error: { code: (error as { code?: string }).code ?? 'INTERNAL', message: (error as Error).message } }, { event: 'error' });
    stream.close();
    return;
  }
  if (end !== 'aborted') stream.send({ end }, { event: 'end' });
  stream.close();
}

/** The run folders under `runs/` now. */
function runFolders(paths: StatePaths): Set<string> {
  try {
    return new Set(fs.readdirSync(paths.runs));
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
export async function streamPipelineEvents(paths: StatePaths, stream: EventStream, pollMs: number): Promise<void> {
  const seen = runFolders(paths);
  const following = new Set<string>();
  const follow = (runId: string) => {
    following.add(runId);
    stream.send({ runId }, { event: 'run' });
    void followRunEvents(paths, runId, (event: PipelineEvent) => stream.send(event, { id: event.seq }), { signal: stream.signal, pollMs })
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
    if (newest !== undefined && following.size === 0 && writerHoldsLock(paths) && !endedLog(paths, newest)) follow(newest);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
