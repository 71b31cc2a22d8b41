import { strict as assert } from 'node:assert';
import { renderDagSvg } from '../../src/display/dag-svg';
import { PROFILING_PLAN_STAGES } from './profiling-fixture';
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

    it('writes every id whole in a box sized for it', () => {
      // 28 characters x 0.6 em x 11.5 px = 193.2 -> 194 px, plus 10 px either side.
      assert.ok(svg.includes('width="214" height="30" rx="6" fill="#fee2e2"'));
      assert.ok(svg.includes('>a_very_long_stage_identifier</text>'));
      assert.ok(!svg.includes('…'));
    });

    it('draws an edge with an arrowhead per dep, a legend of the states present and an escaped title', () => {
      assert.equal((svg.match(/<title>[^<]* → [^<]*<\/title>/g) ?? []).length, 2);
      assert.equal((svg.match(/class="dagbook-legend-item"/g) ?? []).length, 3);
      assert.ok(svg.includes('>Run &lt;1&gt;</text>'));
      assert.ok(!svg.includes('<script'));
    });

    it('has no note of hidden edges when none is implied', () => {
      assert.ok(!svg.includes('dagbook-dag-note'));
    });
  });

  describe('when a stage id is 40 characters long', () => {
    it('appears whole in the picture', () => {
      const id = 'temporal_coverage_and_gaps_by_period_abc';
      assert.equal(id.length, 40);
      const svg = renderDagSvg(planOf('p', [['import', []], [id, ['import']]]), {});
      assert.ok(svg.includes(`data-stage="${id}"`));
      assert.ok(svg.includes(`>${id}</text>`));
    });
  });

  describe('when edges are implied by longer paths', () => {
    const plan = planOf('profiling', PROFILING_PLAN_STAGES);

    it('hides them and says how many', () => {
      const svg = renderDagSvg(plan, {});
      assert.equal((svg.match(/<title>[^<]* → [^<]*<\/title>/g) ?? []).length, 21);
      assert.ok(svg.includes('<title>topology → report</title>'));
      assert.ok(!svg.includes('<title>import → report</title>'));
      assert.ok(svg.includes('class="dagbook-dag-note"'));
      assert.ok(svg.includes('>8 implied edges hidden (each follows from a longer path)</text>'));
    });

    it("draws them all with `edges: 'all'`", () => {
      const svg = renderDagSvg(plan, {}, { edges: 'all' });
      assert.equal((svg.match(/<title>[^<]* → [^<]*<\/title>/g) ?? []).length, 29);
      assert.ok(svg.includes('<title>import → report</title>'));
      assert.ok(!svg.includes('dagbook-dag-note'));
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
