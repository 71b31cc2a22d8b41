import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './http-errors';

/**
 * Who may ask the status server. With a token, every request must bring it:
 * `Authorization: Bearer <token>`, or — for a browser, which cannot add a
 * header to a page load or an `EventSource` — the `dagbook_token` cookie
 * (HttpOnly, SameSite=Strict) that opening `/?token=<token>` once sets. A
 * server whose reads need no token (`readsNeedToken: false`, the notebook's
 * dashboard on loopback) lets reads through without it. Actions (anything
 * but a read) always need it; a server started without one refuses them
 * with 403, naming how to enable them.
 *
 * The page opened with the token (by `?token=`, the cookie or the header)
 * carries it in its script, and its actions send it as a bearer header: a
 * page in a frame of another site (the dashboard in JupyterLab on
 * `localhost:8888`, served from `127.0.0.1`) may have its cookie refused by
 * the browser (a SameSite=Strict cookie is neither set nor sent in a
 * cross-site frame), but its own script still has the token. Actions are
 * guarded against other sites beyond the token in action-guard.ts.
 */

/** The cookie a browser keeps the token in. */
export const TOKEN_COOKIE = 'dagbook_token';

/** Options of {@link requestAuth}. */
export interface RequestAuthOptions {
  /** The server's token; undefined: reads are open and actions refused. */
  readonly token: string | undefined;
  /** Whether reads need the token too. */
  readonly readsNeedToken: boolean;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request brings, from its header or its cookie. */
function presented(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? match[1] : undefined;
  }
  const cookie = request.headers.cookie;
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Whether a method only reads. */
function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** The requests that brought the server's token, with the token. */
const authenticated = new WeakMap<FastifyRequest, string>();

/** The server's token when `request` brought it (so the page it asked for may carry it); undefined otherwise. */
export function tokenOf(request: FastifyRequest): string | undefined {
  return authenticated.get(request);
}

/** An `onRequest` hook that answers 401 to a request without the token where one is needed (403 to an action on a server without any). */
export function requestAuth(options: RequestAuthOptions) {
  const { token } = options;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const read = isRead(request.method);
    if (token === undefined) {
      if (!read) {
        await reply
          .status(403)
          .send(errorBody('SERVE_UNAUTHORIZED', `${request.method} is an action, and this server has no token: start \`dagbook serve\` with \`--token <token>\` (or $DAGBOOK_TOKEN) to enable actions`));
      }
      return;
    }
    const given = presented(request);
    if (given !== undefined && same(given, token)) {
      authenticated.set(request, token);
      return;
    }
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    if (request.method === 'GET' && request.url.split('?')[0] === '/' && typeof query === 'string' && same(query, token)) {
      // The dashboard opened with its token once: a cookie keeps it for the page's reads, its script for its actions.
      authenticated.set(request, token);
      reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      return;
    }
    if (read && !options.readsNeedToken) return;
    const how = read ? 'This server needs a token: send `Authorization: Bearer <token>`' : 'Actions need the server’s token: send `Authorization: Bearer <token>`, or open the dashboard once with `/?token=<token>`';
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send(errorBody('SERVE_UNAUTHORIZED', given === undefined ? how : 'The token sent is not this server’s'));
  };
}
