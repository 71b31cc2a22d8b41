import { strict as assert } from 'node:assert';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { renderPeriodGrid, type GridCell } from '../../src/display/period-grid';
import { periodPlanOf } from './period-plan';

const axis = periodAxis(
  periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027'] }, [['census', 'before'], ['needs', 'per'], ['hires', 'per'], ['summary', 'after']]),
) as PeriodAxis;

const cells: Record<string, GridCell> = {
  census: { state: 'skip', note: 'up to date' },
  'needs@2025': { state: 'skip', note: 'up to date' },
  'hires@2025': { state: 'skip', note: 'up to date' },
  'checkpoint@2025': { state: 'skip', note: 'up to date' },
  'needs@2026': { state: 'run', note: 'param `rate` changed' },
  'hires@2026': { state: 'run', note: 'upstream `needs@2026` will run' },
  'checkpoint@2026': { state: 'run', note: 'upstream `hires@2026` will run' },
  'needs@2027': { state: 'disabled', note: 'disabled in config' },
  'hires@2027': { state: 'blocked', note: 'needs <needs@2027> & more' },
  summary: { state: 'run', note: 'upstream `checkpoint@2026` will run' },
};

describe('renderPeriodGrid', () => {
  describe('as text', () => {
    it('draws one line per template with one symbol per period, period-less stages once, the checkpoints last, and a legend of the states shown', () => {
      assert.equal(
        renderPeriodGrid(axis, cells).text,
        [
          'year        2025  2026  2027',
          'census      ✓ (not per year)',
          'needs       ✓     ▶     ○',
          'hires       ✓     ▶     ■',
          'summary     ▶ (not per year)',
          'checkpoint  ✓     ▶',
          'legend: ✓ up to date · ▶ will run · ○ disabled · ■ blocked',
        ].join('\n'),
      );
    });
  });

  describe('as HTML', () => {
    const { html } = renderPeriodGrid(axis, cells);

    it('heads the columns with the axis name and the keys', () => {
      assert.ok(html.includes('>year</th>'));
      assert.equal((html.match(/>202[5-7]<\/th>/g) ?? []).join(','), '>2025</th>,>2026</th>,>2027</th>');
    });

    it('colours each cell by its state with the reason, escaped, as its tooltip', () => {
      assert.ok(html.includes('data-stage="needs@2026" data-state="run" title="needs@2026: will run — param `rate` changed" style="padding:2px 4px;border:2px solid #ffffff;text-align:center;min-width:34px;height:20px;font-size:12px;background:#fef3c7;color:#78350f;box-shadow:inset 0 0 0 1px #d97706">▶</td>'));
      assert.ok(html.includes('title="hires@2027: blocked — needs &lt;needs@2027&gt; &amp; more"'));
      assert.ok(!html.includes('<needs@2027>'));
    });

    it('spans the periods with a period-less stage, and leaves a period without a stage empty', () => {
      assert.ok(html.includes('<td colspan="3" data-stage="census" data-state="skip"'));
      assert.ok(html.includes('<td colspan="3" data-stage="summary" data-state="run"'));
      assert.equal((html.match(/<td [^>]*data-stage=/g) ?? []).length, 10);
      assert.equal((html.match(/<td style="[^"]*background:#fafafa"><\/td>/g) ?? []).length, 1);
    });

    it('marks the checkpoint row and puts it last', () => {
      const rows = html.match(/<tr[^>]*><td[^>]*>[^<]*<\/td>/g) ?? [];
      assert.deepEqual(
        rows.map((r) => /([^>]*)<\/td>$/.exec(r)?.[1]),
        ['census', 'needs', 'hires', 'summary', 'checkpoint'],
      );
      assert.ok(rows[4].startsWith('<tr style="border-top:1px dashed #e5e7eb"><td style="padding:2px 10px 2px 2px;font-family:'));
      assert.ok(rows[4].includes('font-style:italic'));
    });

    it('has a legend badge per state shown', () => {
      assert.deepEqual(
        (html.match(/>(. [a-z ]+)<\/span>/g) ?? []).map((m) => m.slice(1, -7)),
        ['✓ up to date', '▶ will run', '○ disabled', '■ blocked'],
      );
    });
  });

  describe('when a user string holds markup', () => {
    it('escapes the axis name, keys and template ids', () => {
      const odd: PeriodAxis = { name: '<q>', keys: ['a&b'], rows: [{ kind: 'per-period', template: 'x"y', stages: { 'a&b': 'x"y@a&b' } }], periodOf: { 'x"y@a&b': 'a&b' } };
      const { html } = renderPeriodGrid(odd, { 'x"y@a&b': { state: 'run' } });
      assert.ok(html.includes('>&lt;q&gt;</th>'));
      assert.ok(html.includes('>a&amp;b</th>'));
      assert.ok(html.includes('>x&quot;y</td>'));
      assert.ok(html.includes('data-stage="x&quot;y@a&amp;b"'));
      assert.ok(!/<q>|a&b|x"y/.test(html));
    });
  });
});
