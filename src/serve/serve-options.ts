import * as net from 'node:net';
import { systemClock, type Clock } from '../clock';
import { DagbookError } from '../errors';
import type { ServedPipeline } from './served-pipelines';

/**
 * The options of a status server, resolved once. It listens on 127.0.0.1 by
 * default; on any address that is not loopback it would show the state to
 * whoever reaches the machine, so it refuses to start there without a token
 * (and with one, every request must bring it). Actions (run, cancel, retry,
 * enable) need the token wherever it listens; without one they are refused.
 */

/** Options of a status server. */
export interface ServeOptions {
  /** The state folder the pipelines' state is in. */
  readonly stateDir: string;
  /** The pipelines shown. */
  readonly pipelines: readonly ServedPipeline[];
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 8642 */
  readonly port?: number;
  /** A bearer token every request must bring (`Authorization: Bearer <token>`); required off loopback, and for any action. @default none */
  readonly token?: string;
  /**
   * Whether reads need the token too. `false` (loopback only: the notebook's dashboard) leaves reads open as without a
   * token, and the token guards the actions alone. @default true
   */
  readonly readsNeedToken?: boolean;
  /** Time source (for ages and `checked_at`). @default systemClock */
  readonly clock?: Clock;
  /** Free space of the state folder's disk below which `/health` warns, bytes. @default 1 GiB */
  readonly diskWarningBytes?: number;
  /** Age past which a heartbeat is stale, ms. @default 180000 (three beats of a minute) */
  readonly heartbeatStaleMs?: number;
  /** How often event streams read the run logs for new lines, ms. @default 200 */
  readonly pollMs?: number;
}

/** {@link ServeOptions} with every default applied. */
export interface ResolvedServeOptions {
  readonly stateDir: string;
  readonly pipelines: readonly ServedPipeline[];
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly readsNeedToken: boolean;
  readonly clock: Clock;
  readonly diskWarningBytes: number;
  readonly heartbeatStaleMs: number;
  readonly pollMs: number;
}

/** The default port of `dagbook serve`. */
export const DEFAULT_SERVE_PORT = 8642;

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, or `localhost`). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

/**
 * Applies the defaults and checks the options.
 * @throws DagbookError `SERVE_TOKEN_REQUIRED` naming the host when it is not loopback and no token is given;
 * `INVALID_OPTION` naming the field and the value for a bad port or an empty token.
 */
export function resolveServeOptions(options: ServeOptions): ResolvedServeOptions {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_SERVE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DagbookError('INVALID_OPTION', `Expected \`port\` to be an integer from 0 to 65535, got \`${String(port)}\``, { data: { field: 'port', value: port } });
  }
  if (options.token !== undefined && options.token.trim() === '') {
    throw new DagbookError('INVALID_OPTION', 'Expected `token` to be a non-empty string, got an empty one', { data: { field: 'token' } });
  }
  if (!isLoopbackHost(host) && options.token === undefined) {
    throw new DagbookError(
      'SERVE_TOKEN_REQUIRED',
      `Refusing to serve on \`${host}\` without a token: any machine that reaches ${host}:${port} could read the pipelines' state. ` +
        'Give a token with `--token <token>` or the `DAGBOOK_TOKEN` environment variable (clients then send `Authorization: Bearer <token>`), or serve on 127.0.0.1.',
      { data: { host } },
    );
  }
  const readsNeedToken = options.readsNeedToken ?? true;
  if (!readsNeedToken && !isLoopbackHost(host)) {
    throw new DagbookError('INVALID_OPTION', `Expected \`readsNeedToken\` to be true on \`${host}\`: reads may go without the token on loopback only`, { data: { field: 'readsNeedToken', host } });
  }
  return {
    stateDir: options.stateDir,
    pipelines: options.pipelines,
    host,
    port,
    token: options.token,
    readsNeedToken,
    clock: options.clock ?? systemClock,
    diskWarningBytes: options.diskWarningBytes ?? 1024 ** 3,
    heartbeatStaleMs: options.heartbeatStaleMs ?? 180_000,
    pollMs: options.pollMs ?? 200,
  };
}
