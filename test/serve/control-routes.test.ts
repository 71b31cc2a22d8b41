import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkbench } from '../../src/notebook/workbench';
import { loadServedPipelines } from '../../src/serve/served-pipelines';
import { startStatusServer, type StatusServer } from '../../src/serve/status-server';
import { eventually, makeTrialProject, runHere, runInChild, type TrialProject } from './serve-fixture';

/**
 * The status server's actions over real state, asked over real HTTP on
 * 127.0.0.1: each refusal (no token configured, none or a wrong one sent,
 * another origin, a body that is not JSON), a run started and cancelled in
 * the server's process, a run of another process met (409 naming its pid)
 * and cancelled through its request file, failed items retried, and a stage
 * disabled for the next runs.
 */

const TRIALS = [
  { id: 't1', score: 1.5 },
  { id: 't2', score: 0.7 },
  { id: 't3', score: 0, fail: true },
];

const TOKEN = 's3cret';

interface Answer {
  readonly status: number;
  readonly body: any;
}

async function post(server: StatusServer, url: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }): Promise<Answer> {
  const response = await fetch(server.url + url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function get(server: StatusServer, url: string): Promise<any> {
  const response = await fetch(server.url + url, { headers: { authorization: `Bearer ${TOKEN}` } });
  return response.json();
}

/** The run's record once it has ended. */
async function ended(server: StatusServer, runId: string): Promise<any> {
  return eventually(async () => {
    const body = await get(server, `/runs/trials/${runId}`);
    return body.run?.status === 'RUNNING' ? undefined : body;
  }, `run ${runId} to end`);
}

describe('status server actions', function () {
  this.timeout(60_000);
  let project: TrialProject;
  let server: StatusServer;

  before(async () => {
    project = makeTrialProject();
    project.setTrials(TRIALS);
    await runHere(project);
    server = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), port: 0, token: TOKEN });
  });

  after(async () => {
    project.openGate();
    await server?.close();
  });

  describe('when an action is refused', () => {
    it('answers 403 naming --token when the server has no token, even on loopback', async () => {
      const open = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), port: 0 });
      try {
        const got = await post(open, '/pipelines/trials/runs', {}, { 'content-type': 'application/json' });
        assert.deepEqual(got, {
          status: 403,
          body: { error: { code: 'SERVE_UNAUTHORIZED', message: 'POST is an action, and this server has no token: start `dagbook serve` with `--token <token>` (or $DAGBOOK_TOKEN) to enable actions' } },
        });
      } finally {
        await open.close();
      }
    });

    it('answers 401 without the token, and with another', async () => {
      assert.deepEqual(await post(server, '/pipelines/trials/runs', {}, { 'content-type': 'application/json' }), {
        status: 401,
        body: { error: { code: 'SERVE_UNAUTHORIZED', message: 'Actions need the server’s token: send `Authorization: Bearer <token>`, or open the dashboard once with `/?token=<token>`' } },
      });
      assert.deepEqual(await post(server, '/pipelines/trials/runs', {}, { authorization: 'Bearer nope', 'content-type': 'application/json' }), {
        status: 401,
        body: { error: { code: 'SERVE_UNAUTHORIZED', message: 'The token sent is not this server’s' } },
      });
    });

    it('answers 403 to a request from another origin, or another site, even with the token', async () => {
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const host = server.url.slice('http://'.length);
      assert.deepEqual(await post(server, '/pipelines/trials/runs', {}, { ...headers, origin: 'http://evil.example' }), {
        status: 403,
        body: { error: { code: 'SERVE_FORBIDDEN', message: `Actions are taken only from the dashboard's own origin http://${host}; this request came from \`http://evil.example\`` } },
      });
      assert.deepEqual(await post(server, '/pipelines/trials/runs', {}, { ...headers, 'sec-fetch-site': 'cross-site' }), {
        status: 403,
        body: { error: { code: 'SERVE_FORBIDDEN', message: 'Actions are taken only from the dashboard\'s own origin; this request came from a cross-site page (Sec-Fetch-Site: cross-site)' } },
      });
    });

    it('answers 415 to a body that is not JSON, as a plain form posts it', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        assert.deepEqual(await post(server, '/pipelines/trials/runs', 'stage=discover', { authorization: `Bearer ${TOKEN}`, 'content-type': type }), {
          status: 415,
          body: { error: { code: 'SERVE_UNSUPPORTED_MEDIA_TYPE', message: `Expected an action's body as \`Content-Type: application/json\`, got \`${type}\`` } },
        });
      }
    });

    it('answers 400 naming an unknown stage, and 404 an unknown pipeline', async () => {
      const unknown = await post(server, '/pipelines/trials/runs', { stage: 'nope' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, 'SELECTION_UNKNOWN_STAGE');
      assert.deepEqual(await post(server, '/pipelines/other/runs', {}), { status: 404, body: { error: { code: 'SERVE_NOT_FOUND', message: 'No pipeline `other` is served; served: trials' } } });
    });
  });

  describe('when a run is started with the cookie the dashboard got', () => {
    it('runs the stage in the server process and answers once it has begun', async () => {
      const page = await fetch(`${server.url}/?token=${TOKEN}`);
      assert.equal(page.status, 200);
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
      assert.equal(cookie, `dagbook_token=${TOKEN}`);
      assert.match(await page.text(), /<script type="application\/json" id="dagbook-token">"s3cret"<\/script>/);
      const host = server.url.slice('http://'.length);
      const started = await post(server, '/pipelines/trials/runs', { stage: 'discover' }, { cookie, 'content-type': 'application/json', origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
      assert.equal(started.status, 202);
      assert.deepEqual(Object.keys(started.body).sort(), ['pid', 'pipeline', 'run_id']);
      assert.equal(started.body.pid, process.pid);
      const body = await ended(server, started.body.run_id);
      assert.equal(body.run.status, 'SUCCEEDED');
      assert.deepEqual(body.run.stages, ['discover']);
    });
  });

  describe('when the server cancels a run it started', () => {
    it('cancels it through its handle', async () => {
      project.closeGate();
      const started = await post(server, '/pipelines/trials/runs', { force: true });
      assert.equal(started.status, 202);
      await eventually(async () => ((await get(server, `/runs/trials/${started.body.run_id}`)).stages?.backtest?.status === 'RUNNING' ? true : undefined), 'backtest to run');
      const cancel = await post(server, `/runs/trials/${started.body.run_id}/cancel`, {});
      assert.deepEqual(cancel, { status: 202, body: { pipeline: 'trials', run_id: started.body.run_id, via: 'handle', pid: process.pid } });
      project.openGate();
      const body = await ended(server, started.body.run_id);
      assert.equal(body.run.status, 'CANCELLED');
      assert.equal(body.run.reason, 'cancelled from the dashboard');
      assert.deepEqual(await post(server, `/runs/trials/${started.body.run_id}/cancel`, {}), {
        status: 409,
        body: { error: { code: 'SERVE_CONFLICT', message: `Run \`${started.body.run_id}\` of \`trials\` is not running: it ended CANCELLED` } },
      });
    });
  });

  describe('when another process runs the pipeline', () => {
    it('answers 409 naming its pid, and cancels its run through the request file', async () => {
      project.closeGate();
      const child = runInChild(project);
      try {
        const runId = await eventually(async () => {
          const { runs } = await get(server, '/runs?pipeline=trials&limit=1');
          return runs[0].status === 'RUNNING' ? (runs[0].runId as string) : undefined;
        }, 'the child run to begin');
        const refused = await post(server, '/pipelines/trials/runs', {});
        assert.equal(refused.status, 409);
        assert.equal(refused.body.error.code, 'STATE_LOCKED');
        assert.equal(refused.body.error.pid, child.child.pid);
        assert.match(refused.body.error.message, new RegExp(`^The state is locked by pid ${child.child.pid} on `));
        const cancel = await post(server, `/runs/trials/${runId}/cancel`, {});
        assert.deepEqual(cancel, { status: 202, body: { pipeline: 'trials', run_id: runId, via: 'request-file', pid: child.child.pid } });
        const body = await ended(server, runId);
        assert.equal(body.run.status, 'CANCELLED');
        assert.equal(body.run.reason, `cancelled from the dashboard (served by pid ${process.pid})`);
        assert.equal(fs.existsSync(path.join(project.stateDir, 'trials', 'runs', runId, 'cancel')), false);
        project.openGate();
        await child.exit;
      } finally {
        project.openGate();
        child.child.kill('SIGKILL');
      }
    });
  });

  describe('when failed items are retried', () => {
    it('runs the stage from there with only its failed items', async () => {
      const started = await post(server, '/pipelines/trials/retry-failed', { stage: 'backtest' });
      assert.equal(started.status, 202);
      const body = await ended(server, started.body.run_id);
      assert.deepEqual(body.run.stages, ['backtest', 'deploy']);
      // The two items that succeeded keep their outputs; only the failed one runs again (and fails again).
      assert.deepEqual(body.stages.backtest.items, { total: 3, succeeded: 0, cached: 2, failed: 1, skipped: 0, blocked: 0, deleted: 0 });
      assert.deepEqual(await post(server, '/pipelines/trials/retry-failed', { stage: 'discover' }), {
        status: 400,
        body: { error: { code: 'INVALID_OPTION', message: 'Expected a per-item stage (one with `forEach`) to retry the failed items of, got `discover`' } },
      });
    });
  });

  describe('when a stage is disabled from the dashboard', () => {
    it('keeps the override with the state, and the next runs and the dry run say so', async () => {
      const got = await post(server, '/pipelines/trials/stages/deploy/enabled', { enabled: false });
      assert.deepEqual(got, { status: 200, body: { pipeline: 'trials', stage: 'deploy', enabled: false, definition_enabled: true } });
      const overrides = JSON.parse(fs.readFileSync(path.join(project.stateDir, 'trials', 'overrides.json'), 'utf8'));
      assert.deepEqual(Object.keys(overrides.stages), ['deploy']);
      assert.equal(overrides.stages.deploy.enabled, false);
      const started = await post(server, '/pipelines/trials/runs', {});
      const body = await ended(server, started.body.run_id);
      assert.equal(body.stages.deploy.status, 'SKIPPED');
      assert.equal(body.stages.deploy.reason, 'disabled from the dashboard');
      const wb = await openWorkbench(project.file, { stateDir: project.stateDir, quiet: true });
      const dry = await wb.plan();
      assert.deepEqual(dry.rows.find((r) => r.stageId === 'deploy'), { ...dry.rows.find((r) => r.stageId === 'deploy'), action: 'disabled', reason: 'disabled from the dashboard' });
      assert.deepEqual(await post(server, '/pipelines/trials/stages/deploy/enabled', { enabled: true }), { status: 200, body: { pipeline: 'trials', stage: 'deploy', enabled: true, definition_enabled: true } });
      assert.equal((await wb.plan()).rows.find((r) => r.stageId === 'deploy')?.action === 'disabled', false);
      assert.deepEqual(await post(server, '/pipelines/trials/stages/nope/enabled', { enabled: true }), {
        status: 404,
        body: { error: { code: 'SERVE_NOT_FOUND', message: 'Pipeline `trials` has no stage `nope`; its stages: discover, backtest, deploy' } },
      });
    });
  });
});
