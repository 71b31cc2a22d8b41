import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench } from '../../src/notebook/workbench';
import type { ServiceDescriptor, ServiceState } from '../../src/service-record';
import { isProcessAlive } from '../../src/process-alive';
import { readServiceState } from '../../src/service/service-state-file';
import { processSupervisor } from '../../src/service/supervisor';
import { readRunEvents } from '../../src/query/run-events';

/**
 * A service stage end to end, through the workbench (the supervisor of this
 * process) and `dagbook stop` in another process.
 */

const TICKER = path.join(__dirname, 'fixtures', 'ticker.js');
const CLI = path.join(__dirname, '..', 'fixtures', 'dagbook-cli.ts');

function pipelineYaml(ticks: string, extraArg = ''): string {
  return [
    'name: trials',
    'stages:',
    '  paper:',
    '    kind: service',
    '    retry: { maxAttempts: 1 }',
    '    service:',
    `      command: ${JSON.stringify(process.execPath)}`,
    `      args: [${JSON.stringify(TICKER)}, ${JSON.stringify(ticks)}${extraArg === '' ? '' : `, ${JSON.stringify(extraArg)}`}]`,
    '      readiness: { kind: log, pattern: "^ticker ready", timeoutMs: 10000 }',
    '      restart: { maxRestarts: 3, backoff: { baseMs: 20 } }',
    '      stopGraceMs: 2000',
    '',
  ].join('\n');
}

describe('a service stage', () => {
  let dir: string;
  let file: string;
  let lines: string[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-service-stage-'));
    file = path.join(dir, 'trials.yaml');
    fs.writeFileSync(file, pipelineYaml(path.join(dir, 'ticks.txt')));
    lines = [];
  });

  afterEach(async () => {
    await processSupervisor().stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = () => openWorkbench(file, { stateDir: path.join(dir, 'state'), sink: (text) => lines.push(text) });
  const stateFile = () => path.join(dir, 'state', 'trials', 'services', 'paper.json');

  describe('when it runs, runs again unchanged, is stopped from another process and runs again', () => {
    it('succeeds once ready, is a cache hit while up, stops without a restart, then starts again', async () => {
      const wb = await open();
      const first = await wb.run();
      assert.equal(first.stages.paper.status, 'SUCCEEDED');
      const output = (await wb.output('paper')) as ServiceDescriptor;
      assert.equal(isProcessAlive(output.pid), true);
      assert.equal(output.name, 'paper');

      const second = await wb.run();
      assert.deepEqual([second.stages.paper.status, second.stages.paper.reason], ['CACHED', 'up to date']);
      assert.equal((readServiceState(stateFile()) as ServiceState).pid, output.pid);

      lines = [];
      await wb.status();
      const services = lines.find((l) => l.startsWith("services: "));
      assert.ok(services?.startsWith('services: 1 running\n'), services);
      assert.match(services as string, new RegExp(`paper +paper +${output.pid} +running`));

      // Not spawnSync: this process supervises the service and must go on reaping its child while the stop runs.
      const stop = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'stop', file, 'paper', '--state-dir', path.join(dir, 'state')], { encoding: 'utf8', cwd: path.join(__dirname, '..', '..') });
      assert.equal(stop.stdout, `stopped service \`paper\` (pid ${output.pid})\n`);
      assert.equal(isProcessAlive(output.pid), false);
      await processSupervisor().idle();
      const stopped = readServiceState(stateFile()) as ServiceState;
      assert.deepEqual([stopped.status, stopped.restarts], ['stopped', 0]);

      const third = await wb.run();
      assert.deepEqual([third.stages.paper.status, third.stages.paper.reason], ['SUCCEEDED', 'its service is stopped']);
      const restarted = (await wb.output('paper')) as ServiceDescriptor;
      assert.notEqual(restarted.pid, output.pid);
      assert.equal(isProcessAlive(restarted.pid), true);
    });
  });

  describe('when its service changes', () => {
    it('stops the running service and starts the new one', async () => {
      const wb = await open();
      await wb.run();
      const before = (await wb.output('paper')) as ServiceDescriptor;
      fs.writeFileSync(file, pipelineYaml(path.join(dir, 'ticks.txt'), '--changed'));
      const changed = await openWorkbench(file, { stateDir: path.join(dir, 'state'), sink: () => undefined, quiet: true });
      const result = await changed.run();
      assert.deepEqual([result.stages.paper.status, result.stages.paper.reason], ['SUCCEEDED', 'service changed']);
      const after = (await changed.output('paper')) as ServiceDescriptor;
      assert.equal(isProcessAlive(before.pid), false);
      assert.equal(isProcessAlive(after.pid), true);
      assert.deepEqual((readServiceState(stateFile()) as ServiceState).command.slice(-1), ['--changed']);
    });
  });

  describe('when it runs for each item of a discovery', () => {
    it('starts one service per item, with the item in its arguments, each listed by status', async () => {
      fs.writeFileSync(path.join(dir, 'stages.js'), "exports.discover = () => [{ id: 't1', hash: 'a' }, { id: 't2', hash: 'b' }];\n");
      const yaml = [
        'name: trials',
        'stages:',
        '  discover: { fn: "./stages#discover", discovery: true }',
        '  paper:',
        '    kind: service',
        '    forEach: discover',
        '    retry: { maxAttempts: 1 }',
        '    service:',
        `      command: ${JSON.stringify(process.execPath)}`,
        `      args: [${JSON.stringify(TICKER)}, ${JSON.stringify(path.join(dir, 'ticks-{item.id}.txt'))}]`,
        '      readiness: { kind: log, pattern: "^ticker ready", timeoutMs: 10000 }',
        '',
      ].join('\n');
      fs.writeFileSync(file, yaml);
      const wb = await open();
      const result = await wb.run();
      assert.equal(result.stages.paper.status, 'SUCCEEDED');
      const states = ['t1', 't2'].map((id) => readServiceState(path.join(dir, 'state', 'trials', 'services', `paper@${id}.json`)) as ServiceState);
      assert.deepEqual(states.map((s) => [s.name, s.itemId, s.status, s.command.slice(-1)[0]]), [
        ['paper@t1', 't1', 'running', path.join(dir, 'ticks-t1.txt')],
        ['paper@t2', 't2', 'running', path.join(dir, 'ticks-t2.txt')],
      ]);
      assert.notEqual(states[0].pid, states[1].pid);
      lines = [];
      await wb.status();
      assert.ok(lines.some((l) => l.startsWith('services: 2 running\n')), lines.join('\n'));
    });
  });

  describe('when a per-item service stage runs again', () => {
    const itemState = (id: string) => readServiceState(path.join(dir, 'state', 'trials', 'services', `paper@${id}.json`)) as ServiceState;
    const writeItems = (ids: readonly string[]) =>
      fs.writeFileSync(path.join(dir, 'items.json'), JSON.stringify(ids.map((id) => ({ id, hash: `h-${id}` }))));
    beforeEach(() => {
      fs.writeFileSync(path.join(dir, 'stages.js'), "exports.discover = () => JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'items.json'), 'utf8'));\n");
      const yaml = [
        'name: trials',
        'stages:',
        '  discover: { fn: "./stages#discover", discovery: true }',
        '  paper:',
        '    kind: service',
        '    forEach: discover',
        '    retry: { maxAttempts: 1 }',
        '    service:',
        `      command: ${JSON.stringify(process.execPath)}`,
        `      args: [${JSON.stringify(TICKER)}, ${JSON.stringify(path.join(dir, 'ticks-{item.id}.txt'))}]`,
        '      readiness: { kind: log, pattern: "^ticker ready", timeoutMs: 10000 }',
        '      stopGraceMs: 2000',
        '',
      ].join('\n');
      fs.writeFileSync(file, yaml);
    });

    it('stops the service of an item its discovery no longer returns, and records it stopped', async () => {
      writeItems(['t1', 't2']);
      const wb = await open();
      await wb.run();
      const [t1, t2] = [itemState('t1'), itemState('t2')];
      writeItems(['t2']);
      const second = await wb.run();
      assert.deepEqual([second.stages.paper.status, second.stages.paper.items], ['SUCCEEDED', { total: 1, succeeded: 0, failed: 0, cached: 1, blocked: 0, skipped: 0, deleted: 1 }]);
      assert.equal(isProcessAlive(t1.pid as number), false);
      assert.deepEqual([itemState('t1').status, itemState('t1').lastExit?.code], ['stopped', 0]);
      assert.deepEqual([itemState('t2').status, itemState('t2').pid, isProcessAlive(t2.pid as number)], ['running', t2.pid, true]);
      const events = await readRunEvents(path.join(dir, 'state'), 'trials', second.runId);
      assert.deepEqual(
        events.filter((e) => e.type === 'LOG').map((e) => e.message),
        [`Stopped service \`paper@t1\` (pid ${t1.pid}): item \`t1\` is no longer among the items of \`paper\``],
      );
    });

    it("starts again the service of an unchanged item that was stopped, and keeps the other's running", async () => {
      writeItems(['t1', 't2']);
      const wb = await open();
      await wb.run();
      const [t1, t2] = [itemState('t1'), itemState('t2')];
      await wb.stop('paper', { item: 't1' });
      assert.equal(itemState('t1').status, 'stopped');
      const second = await wb.run();
      assert.deepEqual([second.stages.paper.status, second.stages.paper.reason], ['SUCCEEDED', 'item `t1`: its service is stopped']);
      assert.deepEqual(second.stages.paper.items, { total: 2, succeeded: 1, failed: 0, cached: 1, blocked: 0, skipped: 0, deleted: 0 });
      const restarted = itemState('t1');
      assert.deepEqual([restarted.status, restarted.pid !== t1.pid, isProcessAlive(restarted.pid as number)], ['running', true, true]);
      assert.deepEqual([itemState('t2').pid, isProcessAlive(t2.pid as number)], [t2.pid, true]);
    });
  });

  describe('when its service crashes past its restarts while the run still goes on', () => {
    it('raises a WARNING for the restart and a CRITICAL for the failure in the run, and wb.errors() lists the failed service with its last lines', async () => {
      fs.writeFileSync(
        path.join(dir, 'stages.js'),
        [
          "const fs = require('node:fs');",
          "const path = require('node:path');",
          '// Holds the run open until the service is FAILED.',
          'exports.watch = async (ctx) => {',
          "  const file = path.join(ctx.stateDir, 'services', 'paper.json');",
          '  const end = Date.now() + 10000;',
          "  while (!(fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).status === 'failed')) {",
          "    if (Date.now() > end) throw new Error('the service did not fail');",
          '    await new Promise((r) => setTimeout(r, 20));',
          '  }',
          "  return 'failed';",
          '};',
          '',
        ].join('\n'),
      );
      const yaml = [
        'name: trials',
        'stages:',
        '  paper:',
        '    kind: service',
        '    retry: { maxAttempts: 1 }',
        '    service:',
        `      command: ${JSON.stringify(process.execPath)}`,
        `      args: [${JSON.stringify(TICKER)}, ${JSON.stringify(path.join(dir, 'ticks.txt'))}]`,
        '      env: { CRASH_AFTER: "2" }',
        '      readiness: { kind: log, pattern: "^ticker ready", timeoutMs: 10000 }',
        '      restart: { maxRestarts: 1, backoff: { baseMs: 20 } }',
        '  watch: { fn: "./stages#watch", deps: [paper] }',
        '',
      ].join('\n');
      fs.writeFileSync(file, yaml);
      const wb = await open();
      const result = await wb.run();
      assert.equal(result.status, 'SUCCEEDED', result.reason);
      const alerts = (await readRunEvents(path.join(dir, 'state'), 'trials', result.runId)).flatMap((e) => (e.type === 'ALERT' ? [e] : []));
      assert.deepEqual(
        alerts.map((a) => [a.stageId, a.level, a.metadata.level, a.metadata.metric, a.metadata.value, a.metadata.threshold, a.metadata.service, a.metadata.reason, a.message]),
        [
          ['paper', 'WARN', 'WARNING', 'serviceRestarts', 1, 1, 'paper', 'exited with code 3', 'Service `paper` of `paper` exited with code 3; restarting it in 20 ms (restart 1, at most 1 within 600000 ms)'],
          [
            'paper',
            'ERROR',
            'CRITICAL',
            'serviceFailed',
            1,
            1,
            'paper',
            'exited with code 3',
            'Service `paper` exited with code 3; crashed 2 times within 600000 ms (at most 1 restart allowed); it is FAILED and will not be restarted',
          ],
        ],
      );
      assert.deepEqual(alerts[1].metadata.lastLines?.slice(-1), ['crashing on purpose after 2 ticks']);
      assert.deepEqual(result.alerts?.map((a) => a.metadata.metric), ['serviceRestarts', 'serviceFailed']);

      const errors = await wb.errors();
      // The pids of its two processes, in the order they ticked.
      const pids = [...new Set(fs.readFileSync(path.join(dir, 'ticks.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]))];
      assert.equal(pids.length, 2);
      assert.deepEqual(errors?.text.split('\n'), [
        '1 failed service',
        'paper: [SERVICE_FAILED] Service `paper` exited with code 3; crashed 2 times within 600000 ms (at most 1 restart allowed)',
        ...pids.flatMap((pid) => [`  | ticker ready pid=${pid}`, '  | crashing on purpose after 2 ticks']),
      ]);
    });
  });
});
