import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipelineFileJsonSchema } from '../../src/definition/json-schema';

type Json = Record<string, any>;

describe('pipelineFileJsonSchema', () => {
  const schema = pipelineFileJsonSchema() as Json;
  const root = schema.definitions.DagbookPipeline as Json;
  const [stageMap, stageArray] = root.properties.stages.anyOf as Json[];

  it('describes the pipeline fields and requires name and stages', () => {
    assert.deepEqual(Object.keys(root.properties), ['$schema', 'name', 'description', 'maxParallel', 'executor', 'failurePolicy', 'budgets', 'defaults', 'alerts', 'periods', 'stages', 'secrets', 'environments']);
    assert.deepEqual(root.required, ['name', 'stages']);
    assert.equal(root.additionalProperties, false);
  });

  describe('when stages are a map', () => {
    it('describes every stage property; fn is not required by the schema (a service stage has none: the loader requires it of a task)', () => {
      const stage = stageMap.additionalProperties as Json;
      assert.deepEqual(Object.keys(stage.properties), [
        'fn', 'deps', 'description', 'params', 'version', 'enabled', 'skipThrough', 'retry', 'timeoutMs', 'graceMs', 'isolation', 'executor', 'breaker',
        'budgets', 'failOnValidationError', 'inputs', 'secretParams', 'perPeriod', 'discovery', 'forEach', 'concurrency', 'maxFailureRate',
        'kind', 'service', 'expectedDurationMs', 'periodParams', 'codeDeps',
      ]);
      assert.equal(stage.required, undefined);
      assert.deepEqual(stage.properties.kind, { type: 'string', enum: ['task', 'service'] });
      assert.equal(stage.additionalProperties, false);
      assert.deepEqual(stage.properties.retry.properties.maxAttempts, { type: 'integer', minimum: 1 });
      assert.deepEqual(stage.properties.retry.properties.jitter, { type: 'number', minimum: 0, maximum: 1 });
      assert.deepEqual(stage.properties.isolation, { type: 'string', enum: ['none', 'thread'] });
      assert.deepEqual(stage.properties.executor, {
        anyOf: [
          { type: 'object', properties: { kind: { type: 'string', const: 'local' } }, required: ['kind'], additionalProperties: false },
          {
            type: 'object',
            properties: {
              kind: { type: 'string', const: 'bullmq' },
              connection: { type: 'string', pattern: '^rediss?:\\/\\/\\S+$' },
              queue: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
              unreachableTimeoutMs: { type: 'integer', exclusiveMinimum: 0 },
            },
            required: ['kind', 'connection'],
            additionalProperties: false,
          },
        ],
      });
    });
  });

  it('describes the period axis: a range or a list of periods, and the state hash as `module#export`', () => {
    const periods = root.properties.periods as Json;
    assert.deepEqual(Object.keys(periods.properties), ['name', 'from', 'to', 'values', 'stateHash', 'failOnValidationError']);
    assert.deepEqual(periods.required, ['name']);
    assert.equal(periods.additionalProperties, false);
    assert.deepEqual(periods.properties.values.items, { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', maxLength: 40 }] });
    assert.equal(periods.properties.stateHash.type, 'string');
  });

  describe('when stages are an array', () => {
    it('requires id', () => {
      assert.deepEqual((stageArray.items as Json).required, ['id']);
    });
  });

  it('is plain JSON', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  });
});

describe('pipelines/pipeline.schema.json', () => {
  it('is the schema the code generates (regenerate with `npx dagbook schema > pipelines/pipeline.schema.json`)', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'pipelines', 'pipeline.schema.json'), 'utf8'));
    assert.deepEqual(committed, pipelineFileJsonSchema());
  });
});
