import Fastify, { type FastifyInstance } from 'fastify';
import { writerActive } from '../store/run-log-tail';
import { assertSafeName } from '../store/state-paths';
import { openStateReader } from '../store/state-reader';
import { actionsOff, renderDashboardPage, type PageActions } from './dashboard-page';
import { renderPipelineFragment } from './dashboard-fragment';
import { openEventStream, streamPipelineEvents, streamRunEvents } from './event-stream';
import { checkHealth } from './health-check';
import { installErrorHandlers, notFound } from './http-errors';
import { registerControlRoutes } from './control-routes';
import { requestAuth, tokenOf } from './request-auth';
import { errorResponseSchema, healthResponseSchema, runResponseSchemas, statusResponseSchema } from './response-schemas';
import type { ResolvedServeOptions } from './serve-options';
import type { ServedPipeline } from './served-pipelines';
import { statusReport } from './status-report';

/**
 * The status server's fastify app over the pipelines' state, read through
 * the state reader and the run logs (never the writer's lock), so it
 * answers while runs write; only a run action takes the lock, as any run does.
 *
 * Routes (several pipelines share one server, so a run is named by its
 * pipeline and its id):
 * - `GET /health`: liveness, state folder writable, heartbeats, disk space (health-check.ts);
 * - `GET /status`: per pipeline its health, latest run, items by state, last check (status-report.ts);
 * - `GET /runs?pipeline=<name>&limit=<n>`: run summaries, newest first;
 * - `GET /runs/<pipeline>/<run-id>`: a run's record and stage records;
 * - `GET /runs/<pipeline>/<run-id>/events`: the run's events (public event lines) as Server-Sent Events, live until it ends;
 * - `GET /pipelines/<pipeline>/events`: Server-Sent Events of the pipeline's runs as they begin (the dashboard's);
 * - `GET /` and `GET /fragments/<pipeline>`: the dashboard and its parts (dashboard-page.ts).
 *
 * Every JSON answer has a JSON Schema (response-schemas.ts); every error is
 * `{ error: { code, message } }` (http-errors.ts). The actions (run, cancel,
 * retry failed items, enable or disable a stage) are in control-routes.ts. Its types are fastify's,
 * which TypeScript 5.0 (tslab's) cannot read: status-server.ts is what the
 * rest of dagbook imports.
 */

/** Builds the app without listening. */
export function buildStatusApp(resolved: ResolvedServeOptions): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  installErrorHandlers(app);
  app.addHook('onRequest', requestAuth({ token: resolved.token, readsNeedToken: resolved.readsNeedToken }));
  registerRoutes(app, resolved);
  return app;
}

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 404: errorResponseSchema, 500: errorResponseSchema };

function registerRoutes(app: FastifyInstance, options: ResolvedServeOptions): void {
  const byName = new Map(options.pipelines.map((p) => [p.name, p]));
  const names = options.pipelines.map((p) => p.name);
  const pipelineNamed = (name: string): ServedPipeline => {
    assertSafeName('pipeline', name);
    const found = byName.get(name);
    if (!found) throw notFound(`No pipeline \`${name}\` is served; served: ${names.join(', ') || '(none)'}`);
    return found;
  };
  const runSchemas = runResponseSchemas();

  app.get('/health', { schema: { response: { 200: healthResponseSchema, 503: healthResponseSchema, ...errors } } }, async (_request, reply) => {
    const report = checkHealth({ ...options, pipelines: names, now: options.clock.now() });
    return reply.status(report.status === 'failing' ? 503 : 200).send(report);
  });

  app.get('/status', { schema: { response: { 200: statusResponseSchema, ...errors } } }, async () =>
    statusReport({ stateDir: options.stateDir, pipelines: options.pipelines, now: options.clock.now(), heartbeatStaleMs: options.heartbeatStaleMs }),
  );

  app.get<{ Querystring: { pipeline?: string; limit?: number } }>(
    '/runs',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { pipeline: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10000 } },
        },
        response: { 200: runSchemas.runs, ...errors },
      },
    },
    async (request) => {
      const pipelines = request.query.pipeline === undefined ? options.pipelines : [pipelineNamed(request.query.pipeline)];
      const runs = [];
      for (const pipeline of pipelines) {
        const reader = await openStateReader({ stateDir: options.stateDir, pipeline: pipeline.name });
        runs.push(...(await reader.listRuns()).filter((r) => r.pipeline === pipeline.name));
        await reader.close();
      }
      runs.sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : -1));
      return { runs: runs.slice(0, request.query.limit ?? 100) };
    },
  );

  app.get<{ Params: { pipeline: string; runId: string } }>('/runs/:pipeline/:runId', { schema: { response: { 200: runSchemas.run, ...errors } } }, async (request) => {
    const { pipeline, runId } = request.params;
    pipelineNamed(pipeline);
    assertSafeName('runId', runId);
    const reader = await openStateReader({ stateDir: options.stateDir, pipeline });
    try {
      const run = await reader.getRun(runId);
      if (!run) throw notFound(`Pipeline \`${pipeline}\` has no run \`${runId}\``);
      const interrupted = run.status === 'RUNNING' && !writerActive(reader.paths);
      return { run, stages: await reader.getStages(runId), interrupted };
    } finally {
      await reader.close();
    }
  });

  app.get<{ Params: { pipeline: string; runId: string } }>('/runs/:pipeline/:runId/events', { schema: { response: errors } }, async (request, reply) => {
    const { pipeline, runId } = request.params;
    pipelineNamed(pipeline);
    assertSafeName('runId', runId);
    const reader = await openStateReader({ stateDir: options.stateDir, pipeline });
    const known = (await reader.listRuns()).some((r) => r.runId === runId);
    await reader.close();
    if (!known) throw notFound(`Pipeline \`${pipeline}\` has no run \`${runId}\``);
    const lastId = Number(request.headers['last-event-id']);
    const stream = openEventStream(request, reply);
    void streamRunEvents({ stateDir: options.stateDir, pipeline, pollMs: options.pollMs }, runId, stream, Number.isInteger(lastId) ? lastId : 0);
  });

  app.get<{ Params: { pipeline: string } }>('/pipelines/:pipeline/events', { schema: { response: errors } }, async (request, reply) => {
    const { pipeline } = request.params;
    pipelineNamed(pipeline);
    const stream = openEventStream(request, reply);
    void streamPipelineEvents({ stateDir: options.stateDir, pipeline, pollMs: options.pollMs }, stream);
  });

  app.get('/', async (request, reply) => {
    const sections = [];
    for (const pipeline of options.pipelines) sections.push({ name: pipeline.name, html: await renderPipelineFragment(pipeline, options.stateDir, options.clock) });
    const page = renderDashboardPage(sections, new Date(options.clock.now()).toISOString(), pageActions(options.token !== undefined, tokenOf(request)));
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  });

  app.get<{ Params: { pipeline: string } }>('/fragments/:pipeline', async (request, reply) => {
    const pipeline = pipelineNamed(request.params.pipeline);
    return reply.type('text/html; charset=utf-8').send(await renderPipelineFragment(pipeline, options.stateDir, options.clock));
  });

  registerControlRoutes(app, options, pipelineNamed);

}

/** The page's buttons work when the request brought the server's token. */
function pageActions(serverHasToken: boolean, token: string | undefined): PageActions {
  return token === undefined ? actionsOff(serverHasToken) : { token };
}
