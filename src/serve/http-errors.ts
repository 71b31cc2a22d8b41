import type { FastifyError, FastifyInstance } from 'fastify';
import { DagbookError, errorMessage, isDagbookError } from '../errors';

/**
 * How the status server answers what went wrong: always
 * `{ error: { code, message } }` with a stable code and a sentence, never a
 * stack. A path that names nothing is 404 `SERVE_NOT_FOUND`; a request that
 * is malformed (a bad run id, a query parameter of the wrong kind, an
 * unknown stage in an action) 400; a missing or wrong token 401
 * `SERVE_UNAUTHORIZED`; an action from another site 403 `SERVE_FORBIDDEN`;
 * an action that meets another process (the writer's lock held, a run
 * someone else runs) 409 with `pid` naming it; an action not sent as JSON
 * 415; what the state says is damaged, 500 with its code (`STATE_CORRUPT`).
 */

/** The HTTP status of each coded error; 500 for the rest. */
const STATUS_OF: Readonly<Record<string, number>> = {
  SERVE_NOT_FOUND: 404,
  SERVE_UNAUTHORIZED: 401,
  SERVE_BAD_REQUEST: 400,
  INVALID_OPTION: 400,
  SERVE_FORBIDDEN: 403,
  SERVE_CONFLICT: 409,
  STATE_LOCKED: 409,
  SERVE_UNSUPPORTED_MEDIA_TYPE: 415,
  SELECTION_UNKNOWN_STAGE: 400,
  SELECTION_MISSING_OUTPUTS: 400,
  PLAN_INVALID: 400,
  PLAN_INVALID_FILE: 400,
};

/** A 404 naming what was not found. */
export function notFound(message: string): DagbookError {
  return new DagbookError('SERVE_NOT_FOUND', message);
}

/** The error body; `pid` names the process an action met (the holder of the writer's lock, the runner of a run). */
export function errorBody(code: string, message: string, pid?: number): { error: { code: string; message: string; pid?: number } } {
  return { error: { code, message, ...(pid === undefined ? {} : { pid }) } };
}

/** The process a coded error names: `data.pid`, or the holder of a lock (`STATE_LOCKED`). */
function pidOf(error: DagbookError): number | undefined {
  const data = error.data as { pid?: unknown; holder?: { pid?: unknown } };
  const pid = data.pid ?? data.holder?.pid;
  return typeof pid === 'number' ? pid : undefined;
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDagbookError(error)) {
      const status = STATUS_OF[error.code] ?? 500;
      if (status === 500) request.log.error({ err: error }, 'request failed');
      return reply.status(status).send(errorBody(error.code, error.message, pidOf(error)));
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
