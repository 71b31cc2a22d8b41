import { strict as assert } from 'node:assert';
import { renderDagSvg } from '../../src/display/dag-svg';
import { planOf } from './small-plan';

describe('renderDagSvg', () => {
  describe('when stages have states', () => {
    const plan = planOf('p', [['load', []], ['a_very_long_stage_identifier', ['load']], ['report', ['a_very_long_stage_identifier']]]);
    const svg = renderDagSvg(plan, { load: 'SUCCEEDED', a_very_long_stage_identifier: 'FAILED' }, { title: 'Run <1>' });

    it('draws a box per stage filled by its state (PENDING when none)', () => {
      assert.equal((svg.match(/class="dagbook-node"/g) ?? []).length, 3);
      assert.ok(svg.includes('data-stage="load" data-state="SUCCEEDED"><title>load — succeeded</title><rect'));
      assert.ok(svg.includes('fill="#fee2e2" stroke="#dc2626"'));
      assert.ok(svg.includes('data-stage="report" data-state="PENDING"'));
    });

    it('truncates long ids with an ellipsis and keeps the full id in the tooltip', () => {
      assert.ok(svg.includes('>a_very_long_stag…</text>'));
      assert.ok(svg.includes('<title>a_very_long_stage_identifier — failed</title>'));
    });

    it('draws an edge with an arrowhead per dep, a legend of the states present and an escaped title', () => {
      assert.equal((svg.match(/<title>[^<]* → [^<]*<\/title>/g) ?? []).length, 2);
      assert.equal((svg.match(/class="dagbook-legend-item"/g) ?? []).length, 3);
      assert.ok(svg.includes('>Run &lt;1&gt;</text>'));
      assert.ok(!svg.includes('<script'));
    });
  });

  describe('when the plan has 200 stages', () => {
    it('uses dense boxes and scales the picture to at most 1100 px wide', () => {
      const stages: [string, string[]][] = [];
      for (let i = 0; i < 200; i++) stages.push([`s${i}`, i < 10 ? [] : [`s${i - 10}`, `s${(i * 7) % (i - i % 10)}`].filter((d, k, all) => all.indexOf(d) === k)]);
      const svg = renderDagSvg(planOf('big', stages), {});
      const width = Number(/ width="([\d.]+)"/.exec(svg)?.[1]);
      const height = Number(/ height="([\d.]+)"/.exec(svg)?.[1]);
      assert.ok(width <= 1100 && width > 300, `width ${width}`);
      assert.ok(height <= 900, `height ${height}`);
      assert.ok(svg.includes('height="20" rx="6"'));
    });
  });
});
