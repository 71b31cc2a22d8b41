import assert from 'node:assert/strict';
import type { StageDefinition } from '../../src/definition/types';
import { loadPipelineText } from '../../src/definition/load-file';
import { compilePipeline } from '../../src/plan/compile';
import { planIssuesOf } from './plan-issues';

const run = () => null;

const issuesOf = (stages: Omit<StageDefinition, 'run'>[]) => planIssuesOf(stages);

describe('item references', () => {
  describe('when a definition has per-item stages', () => {
    it('makes the discovery stage a dep and names the per-item deps and limits in the plan', () => {
      const { plan } = compilePipeline({
        name: 'docs',
        stages: [
          { id: 'discover', discovery: true, run },
          { id: 'parse', forEach: 'discover', run },
          { id: 'settings', run },
          { id: 'chunk', forEach: 'discover', deps: ['parse', 'settings'], concurrency: 3, maxFailureRate: 0.01, run },
          { id: 'index', deps: ['chunk'], run },
        ],
      });
      assert.deepEqual(plan.stages.chunk.deps, ['discover', 'parse', 'settings']);
      assert.deepEqual(
        { forEach: plan.stages.chunk.forEach, itemDeps: plan.stages.chunk.itemDeps, concurrency: plan.stages.chunk.concurrency, maxFailureRate: plan.stages.chunk.maxFailureRate },
        { forEach: 'discover', itemDeps: ['parse'], concurrency: 3, maxFailureRate: 0.01 },
      );
      assert.equal(plan.stages.parse.concurrency, 8);
      assert.equal(plan.stages.discover.discovery, true);
      assert.equal(plan.stages.index.forEach, undefined);
    });
  });

  describe('when a definition misuses items', () => {
    it('reports every problem at once, naming the field and the value', () => {
      assert.deepEqual(
        issuesOf([
          { id: 'discover', discovery: true },
          { id: 'listing' },
          { id: 'other', discovery: true },
          { id: 'parse', forEach: 'discovr' },
          { id: 'chunk', forEach: 'listing' },
          { id: 'both', forEach: 'discover', discovery: true },
          { id: 'embed', forEach: 'other', deps: ['both'] },
          { id: 'index', concurrency: 2, maxFailureRate: 0.1 },
        ]),
        [
          { code: 'PLAN_UNKNOWN_DEP', path: 'stages.parse.forEach', message: 'Stage `parse` runs for each item of `discovr`, which is not a stage; did you mean `discover`?' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.chunk.forEach', message: 'Stage `chunk` runs for each item of `listing`, which is not a discovery stage: give `listing` `discovery: true` and make it return its items' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.both.discovery', message: 'Stage `both` is both a discovery stage and per-item (`forEach`): a per-item stage cannot discover items' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.embed.deps.0', message: 'Stage `embed` runs for each item of `other` but depends on `both`, which runs for each item of `discover`: per-item stages read item by item over one discovery' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.index.concurrency', message: 'Stage `index` has `concurrency` but no `forEach`: only a per-item stage runs items' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.index.maxFailureRate', message: 'Stage `index` has `maxFailureRate` but no `forEach`: only a per-item stage runs items' },
        ],
      );
    });

    it('checks the limits: concurrency an integer >= 1, maxFailureRate from 0 to 1', () => {
      assert.deepEqual(
        issuesOf([{ id: 'd', discovery: true }, { id: 'p', forEach: 'd', concurrency: 0, maxFailureRate: 1.5 }]).map((i) => [i.path, i.message]),
        [
          ['stages.p.concurrency', 'Expected `stages.p.concurrency` to be an integer >= 1, got `0`'],
          ['stages.p.maxFailureRate', 'Expected `stages.p.maxFailureRate` to be a number from 0 to 1, got `1.5`'],
        ],
      );
    });
  });

  describe('when a pipeline file declares items', () => {
    it('loads discovery, forEach and the limits', () => {
      const fs = require('node:fs') as typeof import('node:fs');
      const os = require('node:os') as typeof import('node:os');
      const path = require('node:path') as typeof import('node:path');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-items-'));
      fs.writeFileSync(path.join(dir, 'stages.js'), 'exports.list = () => []; exports.parse = () => null;\n');
      const text = 'name: docs\nstages:\n  discover: { fn: "./stages#list", discovery: true }\n  parse: { fn: "./stages#parse", forEach: discover, concurrency: 2, maxFailureRate: 0.01 }\n';
      const { plan } = compilePipeline(loadPipelineText(text, { source: 'docs.yaml', baseDir: dir }));
      assert.deepEqual(plan.stages.parse.deps, ['discover']);
      assert.equal(plan.stages.parse.maxFailureRate, 0.01);
    });
  });
});
