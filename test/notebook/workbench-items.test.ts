import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { definePipeline } from '../../src/definition/define-pipeline';
import { openWorkbench } from '../../src/notebook/workbench';
import type { StageContext } from '../../src/definition/types';

describe('Workbench with per-item stages', function () {
  this.timeout(30_000);
  let stateDir: string;
  let texts: Record<string, string>;
  let parsed: string[];
  /** Items whose parse fails (a service that was down for them). */
  let down: Set<string>;

  const pipeline = () =>
    definePipeline({
      name: 'wbitems',
      stages: [
        { id: 'discover', discovery: true, run: () => Object.entries(texts).map(([id, text]) => ({ id, hash: text, payload: text })) },
        {
          id: 'parse',
          forEach: 'discover',
          maxFailureRate: 0.5,
          retry: { maxAttempts: 1 },
          run: (ctx: StageContext) => {
            parsed.push(ctx.item?.id as string);
            if (down.has(ctx.item?.id as string)) throw new Error(`cannot parse ${ctx.item?.id}`);
            return { words: (ctx.item?.payload as string).split(' ').length };
          },
        },
      ],
    });

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-wb-items-'));
    texts = { a: 'one two', b: 'six seven', c: 'three four five' };
    parsed = [];
    down = new Set(['b']);
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it('reads one item output, names a failed item, retries only the failed items, and refuses a stage that is not per-item', async () => {
    const wb = await openWorkbench(pipeline(), { stateDir, quiet: true });
    const first = await wb.run();
    assert.equal(first.status, 'PARTIAL');
    assert.equal(first.stages.parse.reason, '1 of 3 item(s) failed: `b`');
    assert.deepEqual(await wb.itemOutput('parse', 'c'), { words: 3 });
    await assert.rejects(wb.itemOutput('parse', 'b'), { code: 'OUTPUT_MISSING', message: 'Item `b` of `parse` failed (STAGE_FAILED: cannot parse b): it has no output' });
    await assert.rejects(wb.itemOutput('discover', 'a'), { code: 'INVALID_OPTION' });

    down.clear();
    parsed.length = 0;
    const retried = await wb.retryFailed('parse');
    assert.equal(retried.status, 'SUCCEEDED');
    assert.deepEqual(parsed, ['b']);
    assert.deepEqual(await wb.itemOutput('parse', 'b'), { words: 2 });
    await assert.rejects(wb.retryFailed('discover'), { code: 'INVALID_OPTION' });
  });
});
