import { strict as assert } from 'node:assert';
import { notebookOutline } from '../../src/notebook/notebook-outline';
import type { Plan, PlanStage } from '../../src/plan/plan';

describe('notebookOutline', () => {
  describe('when a stage has a secret param', () => {
    it('takes the stages in plan order and shows the secret as (secret)', () => {
      const stage = (id: string, extra: Partial<PlanStage>) => ({ id, deps: [], dependents: [], params: {}, secretParams: [], enabled: true, ...extra }) as unknown as PlanStage;
      const plan = {
        name: 'p',
        order: ['a', 'b'],
        stages: {
          b: stage('b', { deps: ['a'], params: { key: 'hunter2', n: 1 }, secretParams: ['key'] }),
          a: stage('a', { dependents: ['b'], description: 'First.' }),
        },
      } as unknown as Plan;
      assert.deepEqual(notebookOutline(plan, './p.yaml'), {
        name: 'p',
        file: './p.yaml',
        stages: [
          { id: 'a', kind: 'stage', description: 'First.', deps: [], dependents: ['b'], params: {}, enabled: true },
          { id: 'b', kind: 'stage', deps: ['a'], dependents: [], params: { key: '(secret)', n: 1 }, enabled: true },
        ],
      });
    });
  });
});
