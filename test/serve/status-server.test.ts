import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { toPublicEvent } from '../../src/events/public-event';
import { readRunEvents } from '../../src/query/run-events';
import { serveSchemaFiles } from '../../src/serve/response-schemas';
import { loadServedPipelines } from '../../src/serve/served-pipelines';
import { startStatusServer, type StatusServer } from '../../src/serve/status-server';
import { writeHeartbeat } from '../../src/store/heartbeat-file';
import { statePaths } from '../../src/store/state-paths';
import { eventually, makeTrialProject, readSse, runHere, runInChild, type TrialProject } from './serve-fixture';

/**
 * The status server over real state made by real runs, asked over real HTTP
 * on 127.0.0.1: what it answers, its errors, its token, and a run's events
 * streamed live while another process runs it (holding the writer's lock).
 */

const TRIALS = [
  { id: 't1', score: 1.5 },
  { id: 't2', score: 0.7 },
  { id: 't3', score: 0, fail: true },
];

async function getJson(server: StatusServer, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(server.url + url, { headers });
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return { status: response.status, body: await response.json() };
}

describe('status server', function () {
  this.timeout(60_000);
  let project: TrialProject;
  let server: StatusServer;
  let runId: string;

  before(async () => {
    project = makeTrialProject();
    project.setTrials(TRIALS);
    runId = await runHere(project);
    server = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), port: 0, heartbeatStaleMs: 60_000 });
  });

  after(async () => {
    await server?.close();
  });

  describe('when asked for /status after a run', () => {
    it('counts the items by state as the state holds them and says why the pipeline is degraded', async () => {
      const { status, body } = await getJson(server, '/status');
      assert.equal(status, 200);
      assert.equal(body.pipeline, 'degraded');
      assert.deepEqual(body.items, { pending: 0, processing: 0, deployed: 2, failed: 1 });
      const [trials] = body.pipelines;
      assert.equal(trials.name, 'trials');
      assert.deepEqual(trials.reasons, [`latest run ${runId} ended PARTIAL`, '1 item failed']);
      assert.equal(trials.latest_run.run_id, runId);
      assert.equal(trials.latest_run.status, 'PARTIAL');
      assert.deepEqual(trials.latest_run.stage_counts, { SUCCEEDED: 2, PARTIAL: 1 });
      assert.equal(trials.last_check, trials.latest_run.ended_at);
      assert.equal(body.last_check, trials.last_check);
    });

    it('counts newly discovered items as pending', async () => {
      project.setTrials([...TRIALS, { id: 't4', score: 2 }, { id: 't5', score: 3 }]);
      await runHere(project, 'discover');
      const { body } = await getJson(server, '/status');
      assert.deepEqual(body.items, { pending: 2, processing: 0, deployed: 2, failed: 1 });
    });
  });

  describe('when asked for /health', () => {
    it('says the state folder is writable and reads a heartbeat with its age', async () => {
      const at = new Date(Date.now() - 5_000).toISOString();
      writeHeartbeat(statePaths(project.stateDir, 'trials'), { at, pid: 4242 });
      const { status, body } = await getJson(server, '/health');
      assert.equal(status, 200);
      assert.deepEqual(body.state_dir, { path: project.stateDir, exists: true, writable: true });
      assert.equal(body.pipelines[0].heartbeat.at, at);
      assert.equal(body.pipelines[0].heartbeat.pid, 4242);
      assert.ok(body.pipelines[0].heartbeat.age_ms >= 5_000, `age ${body.pipelines[0].heartbeat.age_ms}`);
      assert.equal(body.pipelines[0].heartbeat.stale, false);
      assert.deepEqual(fs.readdirSync(project.stateDir).filter((n) => n.startsWith('.health-probe')), []);
    });

    it('warns of a stale heartbeat and low disk space', async () => {
      writeHeartbeat(statePaths(project.stateDir, 'trials'), { at: new Date(Date.now() - 600_000).toISOString(), pid: 4242 });
      const strict = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), port: 0, diskWarningBytes: Number.MAX_SAFE_INTEGER });
      try {
        const { status, body } = await getJson(strict, '/health');
        assert.equal(status, 200);
        assert.equal(body.status, 'warning');
        assert.equal(body.disk.low, true);
        assert.equal(body.pipelines[0].heartbeat.stale, true);
        assert.equal(body.problems.length, 2);
        assert.match(body.problems[0], /free on the state folder's disk, below the/);
        assert.match(body.problems[1], /^heartbeat of `trials` \(.*heartbeat\) is 60\d s old, past the 180 s limit$/);
      } finally {
        await strict.close();
        fs.rmSync(path.join(project.stateDir, 'trials', 'heartbeat'));
      }
    });
  });

  describe('when asked for runs', () => {
    it('lists the runs newest first and gives one run with its stage records', async () => {
      const { body } = await getJson(server, '/runs?pipeline=trials');
      assert.equal(body.runs.length, 2);
      assert.equal(body.runs[1].runId, runId);
      const one = await getJson(server, `/runs/trials/${runId}`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.run.stages, ['discover', 'backtest', 'deploy']);
      assert.deepEqual(Object.keys(one.body.stages).sort(), ['backtest', 'deploy', 'discover']);
      assert.equal(one.body.stages.backtest.status, 'PARTIAL');
      assert.equal(one.body.interrupted, false);
    });
  });

  describe('when a path or id is wrong', () => {
    const cases: [string, number, string, string][] = [
      ['/runs/trials/run_nope', 404, 'SERVE_NOT_FOUND', 'Pipeline `trials` has no run `run_nope`'],
      ['/runs/other/run_nope', 404, 'SERVE_NOT_FOUND', 'No pipeline `other` is served; served: trials'],
      ['/runs?pipeline=other', 404, 'SERVE_NOT_FOUND', 'No pipeline `other` is served; served: trials'],
      ['/runs/trials/..hidden', 400, 'INVALID_OPTION', "Expected `runId` to be letters, digits, '.', '_' or '-' (not starting with '.' or '-', at most 200), got `..hidden`"],
      ['/runs?limit=zero', 400, 'SERVE_BAD_REQUEST', 'querystring/limit must be integer'],
      ['/nowhere', 404, 'SERVE_NOT_FOUND', 'No such path: GET /nowhere'],
      ['/runs/trials/run_nope/events', 404, 'SERVE_NOT_FOUND', 'Pipeline `trials` has no run `run_nope`'],
    ];
    for (const [url, status, code, message] of cases) {
      it(`answers ${url} with ${status} ${code} and no stack`, async () => {
        const got = await getJson(server, url);
        assert.deepEqual(got, { status, body: { error: { code, message } } });
      });
    }
  });

  describe('when a run goes on in another process, holding the writer lock', () => {
    it('answers /status meanwhile, counting its items as processing, and streams its events live, as public event lines, until it ends', async () => {
      project.closeGate();
      const child = runInChild(project);
      try {
        const running = await eventually(async () => {
          const { body } = await getJson(server, '/status');
          return body.pipelines[0].latest_run?.status === 'RUNNING' ? body : undefined;
        }, 'the child run to begin');
        assert.equal(fs.existsSync(path.join(project.stateDir, 'trials', 'lock')), true);
        assert.deepEqual(running.items, { pending: 0, processing: 5, deployed: 0, failed: 0 });
        const live = running.pipelines[0].latest_run.run_id;
        const messages = await readSse(`${server.url}/runs/trials/${live}/events`, (message, all) => {
          // The run is held at the gate: a backtest event seen now was streamed live, before the run's end was written.
          if (message.data.event_type === 'STEP_START' && message.data.step_name === 'backtest') project.openGate();
          return message.event === 'end' || all.length > 500;
        });
        const types = messages.filter((m) => m.event === 'message').map((m) => m.data.event_type);
        assert.equal(types[0], 'RUN_START');
        assert.equal(types[types.length - 1], 'PIPELINE_COMPLETE');
        assert.ok(types.includes('ITEM_FAILURE'));
        assert.deepEqual(messages[messages.length - 1], { event: 'end', data: { end: 'completed' } });
        const seqs = messages.filter((m) => m.event === 'message').map((m) => Number(m.id));
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
        assert.deepEqual(messages.slice(0, -1), (await readRunEvents(project.stateDir, 'trials', live)).map((e) => ({ event: 'message', id: String(e.seq), data: toPublicEvent(e) })));
        assert.equal(await child.exit, 0);
      } finally {
        project.openGate();
        child.child.kill('SIGKILL');
      }
    });

    it('replays an ended run’s events after Last-Event-ID, then ends', async () => {
      const messages = await readSse(`${server.url}/runs/trials/${runId}/events`, (m) => m.event === 'end', { 'last-event-id': '3' });
      assert.equal(messages[0].id, '4');
      assert.deepEqual(messages[messages.length - 1], { event: 'end', data: { end: 'completed' } });
      const later = await readRunEvents(project.stateDir, 'trials', runId, { after: 3 });
      assert.deepEqual(messages, [...later.map((e) => ({ event: 'message', id: String(e.seq), data: toPublicEvent(e) })), { event: 'end', data: { end: 'completed' } }]);
    });

    it('streams a run that begins while the pipeline’s stream is open: `run`, its public event lines, `run-end`', async () => {
      let started: Promise<string> | undefined;
      const messages = await readSse(`${server.url}/pipelines/trials/events`, (m) => m.event === 'run-end', {}, () => {
        started = runHere(project);
      });
      const begun = await (started as Promise<string>);
      const events = await readRunEvents(project.stateDir, 'trials', begun);
      assert.deepEqual(messages, [
        { event: 'run', data: { runId: begun } },
        ...events.map((e) => ({ event: 'message', id: String(e.seq), data: toPublicEvent(e) })),
        { event: 'run-end', data: { runId: begun, end: 'completed' } },
      ]);
    });
  });

  describe('when served off loopback', () => {
    it('refuses to start without a token, naming the host and how to give one', async () => {
      await assert.rejects(
        startStatusServer({ stateDir: project.stateDir, pipelines: [], host: '0.0.0.0', port: 0 }),
        (error: unknown) =>
          hasErrorCode(error, 'SERVE_TOKEN_REQUIRED') &&
          error.message ===
            "Refusing to serve on `0.0.0.0` without a token: any machine that reaches 0.0.0.0:0 could read the pipelines' state. Give a token with `--token <token>` or the `DAGBOOK_TOKEN` environment variable (clients then send `Authorization: Bearer <token>`), or serve on 127.0.0.1.",
      );
    });

    it('with a token, answers 401 without it or with another, and 200 with it', async () => {
      const guarded = await startStatusServer({ stateDir: project.stateDir, pipelines: await loadServedPipelines([project.file]), host: '0.0.0.0', port: 0, token: 's3cret' });
      const url = `http://127.0.0.1:${guarded.port}`;
      try {
        const none = await fetch(`${url}/status`);
        assert.equal(none.status, 401);
        assert.deepEqual(await none.json(), { error: { code: 'SERVE_UNAUTHORIZED', message: 'This server needs a token: send `Authorization: Bearer <token>`' } });
        const wrong = await fetch(`${url}/status`, { headers: { authorization: 'Bearer nope' } });
        assert.equal(wrong.status, 401);
        assert.deepEqual(await wrong.json(), { error: { code: 'SERVE_UNAUTHORIZED', message: 'The token sent is not this server’s' } });
        const page = await fetch(`${url}/`);
        assert.equal(page.status, 401);
        const right = await fetch(`${url}/status`, { headers: { authorization: 'Bearer s3cret' } });
        assert.equal(right.status, 200);
        assert.equal(((await right.json()) as { pipeline: string }).pipeline, 'degraded');
      } finally {
        await guarded.close();
      }
    });
  });

  describe("when a pipeline file declares a secret whose variable is not set", () => {
    const VARIABLE = 'DAGBOOK_TEST_UNSET_TRIALS_KEY';
    let secretive: TrialProject;

    before(async () => {
      secretive = makeTrialProject();
      secretive.setTrials(TRIALS);
      await runHere(secretive);
      fs.writeFileSync(secretive.file, `secrets:\n  API_KEY: { env: ${VARIABLE} }\n${fs.readFileSync(secretive.file, 'utf8')}`);
      delete process.env[VARIABLE];
    });

    after(() => fs.rmSync(secretive.dir, { recursive: true, force: true }));

    it('serves its /status from the names of its secrets alone', async () => {
      const pipelines = await loadServedPipelines([secretive.file]);
      assert.deepEqual([pipelines[0].compiled().plan.secretNames, pipelines[0].compiled().unsetSecrets], [['API_KEY'], { API_KEY: VARIABLE }]);
      const served = await startStatusServer({ stateDir: secretive.stateDir, pipelines, port: 0 });
      try {
        const { status, body } = await getJson(served, '/status');
        assert.equal(status, 200);
        assert.deepEqual([body.pipelines[0].name, body.items], ['trials', { pending: 0, processing: 0, deployed: 2, failed: 1 }]);
      } finally {
        await served.close();
      }
    });
  });

  describe('when its schemas are read', () => {
    it('keeps docs/serve/ equal to the schemas the server answers with', () => {
      for (const [name, schema] of Object.entries(serveSchemaFiles())) {
        const file = path.join(__dirname, '..', '..', 'docs', 'serve', name);
        assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), JSON.parse(JSON.stringify(schema)), `${file} is out of date`);
      }
    });
  });
});
