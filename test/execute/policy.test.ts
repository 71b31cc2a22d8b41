import assert from 'node:assert/strict';
import { wrap, type Policy, type PolicyContext } from '../../src/execute/policy';

/** A policy that notes when it enters and leaves, and bumps the attempt it hands on by `step`. */
function tracer(name: string, trail: string[], step = 0): Policy {
  return {
    async execute(fn, context) {
      trail.push(`${name} in ${context.attempt}`);
      try {
        return await fn({ ...context, attempt: context.attempt + step });
      } finally {
        trail.push(`${name} out`);
      }
    },
  };
}

const CONTEXT: PolicyContext = { attempt: 1, signal: new AbortController().signal };

describe('wrap', () => {
  describe('when given several policies', () => {
    it('nests them, the first outermost, each handing its context inward', async () => {
      const trail: string[] = [];
      const value = await wrap(tracer('a', trail, 1), tracer('b', trail, 10), tracer('c', trail)).execute(async (ctx) => {
        trail.push(`fn ${ctx.attempt}`);
        return 'done';
      }, CONTEXT);
      assert.equal(value, 'done');
      assert.deepEqual(trail, ['a in 1', 'b in 2', 'c in 12', 'fn 12', 'c out', 'b out', 'a out']);
    });
  });

  describe('when given none', () => {
    it('runs the function once with the context as given', async () => {
      const seen: PolicyContext[] = [];
      assert.equal(await wrap().execute(async (ctx) => (seen.push(ctx), 7), CONTEXT), 7);
      assert.deepEqual(seen, [CONTEXT]);
    });
  });
});
