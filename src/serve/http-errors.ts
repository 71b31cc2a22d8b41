import type { FastifyError, FastifyInstance } from 'fastify';
import { DagbookError, errorMessage, isDagbookError } from '../errors';

/**
 * How the status server answers what went wrong: always
 * `{ error: { code, message } }` with a stable code and a sentence, never a
 * stack. A path that names nothing is 404 `SERVE_NOT_FOUND`; a request that
 * is malformed (a bad run id, a query parameter of the wrong kind) 400; a
 * missing or wrong token 401 `SERVE_UNAUTHORIZED`; what the state says is
 * damaged, 500 with its code (`STATE_CORRUPT`).
 */

/** The HTTP status of each coded error; 500 for the rest. */
const STATUS_OF: Readonly<Record<string, number>> = {
  SERVE_NOT_FOUND: 404,
  SERVE_UNAUTHORIZED: 401,
  SERVE_BAD_REQUEST: 400,
  INVALID_OPTION: 400,
};

/** A 404 naming what was not found. */
export function notFound(message: string): DagbookError {
  return new DagbookError('SERVE_NOT_FOUND', message);
}

/** The error body. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDagbookError(error)) {
      const status = STATUS_OF[error.code] ?? 500;
      if (status === 500) request.log.error({ err: error }, 'request failed');
      return reply.status(status).send(errorBody(error.code, error.message));
    }
    // Fastify's own: a schema validation failure, a malformed body or URL (4xx, their message names the field).
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send(errorBody(status === 500 ? 'INTERNAL' : 'SERVE_BAD_REQUEST', status === 500 ? `The server failed: ${errorMessage(error)}` : errorMessage(error)));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('SERVE_NOT_FOUND', `No such path: ${request.method} ${request.url.split('?')[0]}`));
  });
}
