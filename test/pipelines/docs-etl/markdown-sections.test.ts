import assert from 'node:assert/strict';
import { parseSections } from '../../../pipelines/docs-etl/markdown-sections';

describe('parseSections', () => {
  describe('when headings nest', () => {
    it('gives each section its heading trail, depth and raw markdown', () => {
      const md = 'Intro line.\n\n# Guide\n\nText with `code`.\n\n## Install\n\n```sh\nnpm i\n```\n\n## Use\n\n- a\n- b\n\n# API\n';
      assert.deepEqual(parseSections(md), [
        { headings: [], depth: 0, text: 'Intro line.' },
        { headings: ['Guide'], depth: 1, text: 'Text with `code`.' },
        { headings: ['Guide', 'Install'], depth: 2, text: '```sh\nnpm i\n```' },
        { headings: ['Guide', 'Use'], depth: 2, text: '- a\n- b' },
        { headings: ['API'], depth: 1, text: '' },
      ]);
    });
  });

  describe('when the page is empty', () => {
    it('returns no sections', () => {
      assert.deepEqual(parseSections(''), []);
    });
  });
});
