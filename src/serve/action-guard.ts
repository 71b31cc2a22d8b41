import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './http-errors';

/**
 * What an action (a POST of control-routes.ts) must look like beyond the
 * token (request-auth.ts), so that another site cannot make a browser send
 * one with the cookie it holds (cross-site request forgery):
 * - a browser's request must come from the dashboard's own origin: its
 *   `Sec-Fetch-Site` (when sent) is `same-origin`, and its `Origin` (when
 *   sent) is this server's address as the browser asked for it (`Host`);
 *   a client that is not a browser sends neither, and needs the bearer token;
 * - the body is JSON (`Content-Type: application/json`): a plain HTML form
 *   can post only form or text bodies, and a page of another origin cannot
 *   send JSON without a preflight this server never grants (it sends no CORS
 *   headers).
 */

/** A `preHandler` that answers 403 to an action from another origin and 415 to one whose body is not JSON. */
export async function actionGuard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') {
    await reply.status(403).send(errorBody('SERVE_FORBIDDEN', `Actions are taken only from the dashboard's own origin; this request came from a ${site} page (Sec-Fetch-Site: ${site})`));
    return;
  }
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    const own = `http://${request.headers.host ?? ''}`;
    if (origin !== own) {
      await reply.status(403).send(errorBody('SERVE_FORBIDDEN', `Actions are taken only from the dashboard's own origin ${own}; this request came from \`${origin}\``));
      return;
    }
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    await reply
      .status(415)
      .send(errorBody('SERVE_UNSUPPORTED_MEDIA_TYPE', `Expected an action's body as \`Content-Type: application/json\`, got \`${request.headers['content-type'] ?? '(none)'}\``));
  }
}
