import type { FastifyInstance } from 'fastify';
import { assertSafeName } from '../store/state-paths';
import { actionGuard } from './action-guard';
import { errorResponseSchema, type JsonSchema } from './response-schemas';
import { RunControl } from './run-control';
import type { ResolvedServeOptions } from './serve-options';
import type { ServedPipeline } from './served-pipelines';

/**
 * The status server's actions, beside its read routes (status-app.ts): each
 * a POST with a JSON body, behind the token (request-auth.ts) and the
 * same-origin, JSON-only guard (action-guard.ts); run-control.ts does them.
 * - `POST /pipelines/<p>/runs {stage?, force?, env?}` → 202 `{pipeline, run_id, pid}` once the run has begun;
 *   409 `STATE_LOCKED` with `pid` when another process holds the writer's lock;
 * - `POST /runs/<p>/<run-id>/cancel {}` → 202 `{pipeline, run_id, via, pid}`; 409 `SERVE_CONFLICT` when it is not running;
 * - `POST /pipelines/<p>/retry-failed {stage?}` → 202 as a run: the items that failed last time, and what follows;
 * - `POST /pipelines/<p>/stages/<s>/enabled {enabled}` → 200 `{pipeline, stage, enabled, definition_enabled}`.
 */

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 415: errorResponseSchema, 500: errorResponseSchema };

const startedSchema: JsonSchema = {
  type: 'object',
  required: ['pipeline', 'run_id', 'pid'],
  additionalProperties: false,
  properties: { pipeline: { type: 'string' }, run_id: { type: 'string' }, pid: { type: 'integer' } },
};

const stageField = { type: 'string', minLength: 1, maxLength: 200 };

/** Registers the actions; the runs they start are cancelled when the app closes. */
export function registerControlRoutes(app: FastifyInstance, options: ResolvedServeOptions, pipelineNamed: (name: string) => ServedPipeline): void {
  const control = new RunControl(options.stateDir, options.clock);
  app.addHook('onClose', async () => control.close());
  const guarded = { onRequest: actionGuard };

  app.post<{ Params: { pipeline: string }; Body: { stage?: string; force?: boolean; env?: string } }>(
    '/pipelines/:pipeline/runs',
    {
      ...guarded,
      schema: {
        body: { type: 'object', additionalProperties: false, properties: { stage: stageField, force: { type: 'boolean' }, env: { type: 'string', minLength: 1 } } },
        response: { 202: startedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const pipeline = pipelineNamed(request.params.pipeline);
      const { stage, force, env } = request.body;
      return reply.status(202).send(await control.start(pipeline, { ...(stage === undefined ? {} : { stage }), ...(force ? { force } : {}), ...(env === undefined ? {} : { env }) }));
    },
  );

  app.post<{ Params: { pipeline: string }; Body: { stage?: string } }>(
    '/pipelines/:pipeline/retry-failed',
    {
      ...guarded,
      schema: { body: { type: 'object', additionalProperties: false, properties: { stage: stageField } }, response: { 202: startedSchema, ...errors } },
    },
    async (request, reply) => {
      const pipeline = pipelineNamed(request.params.pipeline);
      const { stage } = request.body;
      return reply.status(202).send(await control.start(pipeline, { ...(stage === undefined ? {} : { stage }), retryFailed: true }));
    },
  );

  app.post<{ Params: { pipeline: string; runId: string } }>(
    '/runs/:pipeline/:runId/cancel',
    {
      ...guarded,
      schema: {
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          202: {
            type: 'object',
            required: ['pipeline', 'run_id', 'via', 'pid'],
            additionalProperties: false,
            properties: { pipeline: { type: 'string' }, run_id: { type: 'string' }, via: { enum: ['handle', 'request-file'] }, pid: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { pipeline, runId } = request.params;
      pipelineNamed(pipeline);
      assertSafeName('runId', runId);
      return reply.status(202).send(await control.cancel(pipeline, runId));
    },
  );

  app.post<{ Params: { pipeline: string; stage: string }; Body: { enabled: boolean } }>(
    '/pipelines/:pipeline/stages/:stage/enabled',
    {
      ...guarded,
      schema: {
        body: { type: 'object', required: ['enabled'], additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
        response: {
          200: {
            type: 'object',
            required: ['pipeline', 'stage', 'enabled', 'definition_enabled'],
            additionalProperties: false,
            properties: { pipeline: { type: 'string' }, stage: { type: 'string' }, enabled: { type: 'boolean' }, definition_enabled: { type: 'boolean' } },
          },
          ...errors,
        },
      },
    },
    async (request) => control.setEnabled(pipelineNamed(request.params.pipeline), request.params.stage, request.body.enabled),
  );
}
