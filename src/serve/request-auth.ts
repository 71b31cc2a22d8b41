import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './http-errors';

/**
 * Who may ask the status server. With a token, every request must bring it:
 * `Authorization: Bearer <token>`, or — for a browser, which cannot add a
 * header to a page load or an `EventSource` — the `dagbook_token` cookie that
 * opening `/?token=<token>` once sets (HttpOnly, SameSite=Strict). Without a
 * token (loopback only, see serve-options.ts) reads are open, and anything
 * that is not a read is refused: write actions (run, cancel, retry), when
 * they come, always need the token.
 */

/** The cookie a browser keeps the token in. */
export const TOKEN_COOKIE = 'dagbook_token';

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

/** An `onRequest` hook that answers 401 to a request without the token (or 403 to a write without any token set). */
export function requestAuth(token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (token === undefined) {
      if (!isRead(request.method)) {
        await reply.status(403).send(errorBody('SERVE_UNAUTHORIZED', `${request.method} is a write; the server takes writes only when started with a token`));
      }
      return;
    }
    const given = presented(request);
    if (given !== undefined && same(given, token)) return;
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    if (request.method === 'GET' && request.url.split('?')[0] === '/' && typeof query === 'string' && same(query, token)) {
      // The dashboard opened with its token once: keep it in a cookie and drop it from the address bar.
      await reply
        .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`)
        .redirect('/', 303);
      return;
    }
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send(errorBody('SERVE_UNAUTHORIZED', given === undefined ? 'This server needs a token: send `Authorization: Bearer <token>`' : 'The token sent is not this server’s'));
  };
}
