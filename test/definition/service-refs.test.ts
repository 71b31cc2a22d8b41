import assert from 'node:assert/strict';
import { loadPipelineText } from '../../src/definition/load-file';

function issuesOf(yaml: string): [string, string, string][] {
  try {
    loadPipelineText(yaml, { source: 'trials.yaml', baseDir: __dirname });
  } catch (error) {
    return (error as { data: { issues: { code: string; path: string; message: string }[] } }).data.issues.map((i) => [i.code, i.path, i.message]);
  }
  return [];
}

describe('serviceIssues', () => {
  describe('when a file mixes up tasks and services', () => {
    it('reports each problem at its field', () => {
      const yaml = [
        'name: trials',
        'stages:',
        '  noFn: { deps: [] }',
        '  noService: { kind: service }',
        '  both: { kind: service, fn: "./x#y", service: { command: node } }',
        '  stray: { fn: "./x#y", service: { command: node } }',
        '  threaded: { kind: service, isolation: thread, service: { command: node } }',
        '',
      ].join('\n');
      assert.deepEqual(
        issuesOf(yaml).filter(([code]) => code !== 'PLAN_UNKNOWN_FUNCTION'),
        [
          ['PLAN_INVALID_FIELD', 'stages.noFn.fn', 'Missing required field `stages.noFn.fn`: expected `module#export`, e.g. `./stages#typing` (a stage of `kind: service` has `service` instead)'],
          ['PLAN_INVALID_FIELD', 'stages.noService.service', 'Missing required field `stages.noService.service`: a stage of `kind: service` names its process (`{ command, args?, readiness? }`)'],
          ['PLAN_INVALID_FIELD', 'stages.both.fn', 'Stage `both` is `kind: service` and has `fn`: a service stage runs its `service.command`, not a function'],
          ['PLAN_INVALID_FIELD', 'stages.stray.service', 'Stage `stray` has `service` but is not `kind: service`: add `kind: service` to start it as a service'],
          ['PLAN_INVALID_FIELD', 'stages.threaded.isolation', 'Stage `threaded` is a service with `isolation: thread`: a service is a process of its own'],
        ],
      );
    });
  });

  describe('when a service stage is valid', () => {
    it("loads it with its working folder resolved from the file's folder", () => {
      const yaml = [
        'name: trials',
        'stages:',
        '  paper: { kind: service, service: { command: node, args: [trader.js, "{item.id}"], cwd: traders, readiness: { kind: log, pattern: "^ready" } } }',
        '',
      ].join('\n');
      const def = loadPipelineText(yaml, { source: 'trials.yaml', baseDir: '/srv/trials' });
      assert.deepEqual(def.stages[0].service, { command: 'node', args: ['trader.js', '{item.id}'], cwd: '/srv/trials/traders', readiness: { kind: 'log', pattern: '^ready' } });
      assert.equal(def.stages[0].kind, 'service');
    });
  });
});
