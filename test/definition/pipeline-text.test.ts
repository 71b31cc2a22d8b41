import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipelineFile } from '../../src/definition/load-file';
import { parsePipelineText } from '../../src/definition/pipeline-text';
import { hasErrorCode } from '../../src/errors';

/** Ten levels of aliases, each repeating the one before nine times: 9^10 values once expanded. */
function aliasBomb(): string {
  const lines = ['name: bomb', 'stages: {}', 'a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('pipeline text', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-text-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when a YAML file is an alias bomb', () => {
    it('rejects with PLAN_INVALID_FILE naming the file and the alias expansion limit', async () => {
      const file = path.join(tmp, 'bomb.yaml');
      fs.writeFileSync(file, aliasBomb());
      await assert.rejects(loadPipelineFile(file), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'PLAN_INVALID_FILE'), String(e));
        assert.equal(e.message, `The pipeline file \`${file}\` exceeds the alias expansion limit: its aliases expand more than 100 times`);
        return true;
      });
    });
  });

  describe('when a few aliases share a policy', () => {
    it('expands them', () => {
      assert.deepEqual(parsePipelineText('r: &r { maxAttempts: 2 }\na: *r\nb: *r\n', 'p.yaml'), { r: { maxAttempts: 2 }, a: { maxAttempts: 2 }, b: { maxAttempts: 2 } });
    });
  });

  describe('when the file is larger than the limit', () => {
    it('rejects with PLAN_INVALID_FILE before reading it, and the text path refuses the same size', async () => {
      const file = path.join(tmp, 'huge.yaml');
      fs.writeFileSync(file, '');
      fs.truncateSync(file, 4 * 1024 * 1024 + 1);
      await assert.rejects(
        loadPipelineFile(file),
        (e: unknown) => hasErrorCode(e, 'PLAN_INVALID_FILE') && e.message === `The pipeline file \`${file}\` is 4194305 bytes, more than the limit of 4194304 bytes`,
      );
      assert.throws(
        () => parsePipelineText(`#${'x'.repeat(4 * 1024 * 1024)}`, 'p.yaml'),
        (e: unknown) => hasErrorCode(e, 'PLAN_INVALID_FILE') && e.message === 'The pipeline file `p.yaml` is 4194305 bytes, more than the limit of 4194304 bytes',
      );
    });
  });

  describe('when the path is a folder', () => {
    it('rejects with INVALID_OPTION naming it', async () => {
      await assert.rejects(
        loadPipelineFile(tmp),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === `Cannot read the pipeline file \`${tmp}\`: it is not a regular file`,
      );
    });
  });
});
