import { strict as assert } from 'node:assert';
import { hasErrorCode } from '../../src/errors';
import { notebookText, parseNotebook, sourceLines } from '../../src/notebook/notebook-document';

describe('notebook document', () => {
  describe('parseNotebook', () => {
    describe('when cells have no id, or one id twice (an nbformat 4.4 file, a hand-merged one)', () => {
      it('gives them unique ids and reads the notebook as 4.5, keeping the fields it does not know', () => {
        const text = JSON.stringify({
          cells: [
            { cell_type: 'markdown', metadata: {}, source: 'a' },
            { cell_type: 'code', id: 'x', metadata: {}, source: ['b'], outputs: [], execution_count: null, extra: 1 },
            { cell_type: 'code', id: 'x', metadata: {}, source: ['c'], outputs: [], execution_count: null },
          ],
          metadata: { kernelspec: { name: 'tslab' } },
          nbformat: 4,
          nbformat_minor: 4,
        });
        const notebook = parseNotebook(text, 'n.ipynb');
        assert.deepEqual(notebook.cells.map((c) => c.id), ['cell-1', 'x', 'x-1']);
        assert.equal(notebook.cells[1].extra, 1);
        assert.equal(notebook.nbformat_minor, 5);
        assert.deepEqual(notebook.metadata, { kernelspec: { name: 'tslab' } });
      });
    });

    describe('when the text is not JSON', () => {
      it('throws NOTEBOOK_INVALID naming the file', () => {
        assert.throws(
          () => parseNotebook('{', 'n.ipynb'),
          (e: unknown) => hasErrorCode(e, 'NOTEBOOK_INVALID') && e.message.startsWith('`n.ipynb` is not a notebook: it is not JSON ('),
        );
      });
    });

    describe('when a field is wrong', () => {
      it('throws NOTEBOOK_INVALID naming the field', () => {
        const text = JSON.stringify({ cells: [{ cell_type: 'heading', metadata: {}, source: '' }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
        assert.throws(
          () => parseNotebook(text, 'n.ipynb'),
          (e: unknown) => hasErrorCode(e, 'NOTEBOOK_INVALID') && e.message.startsWith('`n.ipynb` is not an nbformat 4 notebook: `cells.0.cell_type`: '),
        );
      });
    });
  });

  describe('notebookText', () => {
    describe('when writing a notebook', () => {
      it('sorts keys and indents by one space, as nbformat does, and ends with a newline', () => {
        const text = notebookText({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ source: ['x'], id: 'a', cell_type: 'markdown', metadata: {} }] });
        assert.equal(
          text,
          '{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "id": "a",\n   "metadata": {},\n   "source": [\n    "x"\n   ]\n  }\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n',
        );
      });
    });
  });

  describe('sourceLines', () => {
    describe('when the text has several lines', () => {
      it('splits after each newline', () => {
        assert.deepEqual(sourceLines('a\nb\n\nc'), ['a\n', 'b\n', '\n', 'c']);
        assert.deepEqual(sourceLines(''), []);
      });
    });
  });
});
