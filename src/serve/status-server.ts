import { buildStatusApp } from './status-app';
import { resolveServeOptions, type ServeOptions } from './serve-options';

/**
 * Starting and stopping the status server (status-app.ts has its routes).
 * Nothing here names a fastify type, so the declarations the workbench
 * reads (`wb.dashboard()`) stay readable by tslab's TypeScript 5.0.
 */

/** A started server. */
export interface StatusServer {
  /** `http://<host>:<port>` it listens on. */
  readonly url: string;
  /** The port it listens on (the one picked when 0 was asked for). */
  readonly port: number;
  /** Stops listening, ends the open event streams, and resolves when closed. */
  close(): Promise<void>;
}

/**
 * Builds the app and listens.
 * @throws DagbookError `SERVE_TOKEN_REQUIRED`, `INVALID_OPTION` (see serve-options.ts); the listen error (`EADDRINUSE`) as a rejection
 */
export async function startStatusServer(options: ServeOptions): Promise<StatusServer> {
  const resolved = resolveServeOptions(options);
  const app = buildStatusApp(resolved);
  await app.listen({ host: resolved.host, port: resolved.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  return { url: `http://${host}:${port}`, port, close: () => app.close() };
}
