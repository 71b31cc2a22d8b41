import assert from 'node:assert/strict';
import type { PipelineDefinition, StageDefinition } from '../../src/definition/types';
import { DagbookError, type PlanIssue } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';

/**
 * The issues `compilePipeline` reports for a pipeline of `stages` (each given
 * a no-op `run`) with `fields` over it; fails the test when it compiles.
 */
export function planIssuesOf(stages: Omit<StageDefinition, 'run'>[], fields: Partial<PipelineDefinition> = {}): Pick<PlanIssue, 'code' | 'path' | 'message'>[] {
  try {
    compilePipeline({ name: 'p', ...fields, stages: stages.map((s) => ({ ...s, run: () => null })) } as PipelineDefinition);
  } catch (error) {
    assert.ok(error instanceof DagbookError && error.code === 'PLAN_INVALID');
    return (error.data as { issues: PlanIssue[] }).issues.map(({ code, path, message }) => ({ code, path, message }));
  }
  return assert.fail('expected PLAN_INVALID');
}
