import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compilePipeline } from '../../../src/plan/compile';
import type { BusinessCyclesOutput } from '../../../pipelines/profiling/phases/business-cycles';
import type { CorrelationsOutput } from '../../../pipelines/profiling/phases/correlations';
import type { ImportOutput } from '../../../pipelines/profiling/phases/import';
import type { RelationshipsOutput } from '../../../pipelines/profiling/phases/relationships';
import type { TemporalOutput } from '../../../pipelines/profiling/phases/temporal';
import type { TypingOutput } from '../../../pipelines/profiling/phases/typing';
import { profilingPipeline } from '../../../pipelines/profiling/pipeline';
import { runPipeline } from '../../../src/run/run-pipeline';
import { MemoryStore } from '../../../src/store/memory-store';
import { tempTables, VEGA_DIR, vegaCsv } from './fixtures';

/**
 * Facts about the vega-datasets tables, each computed here by hand (line
 * splitting, plain loops) and compared with what the pipeline found.
 */
describe('profiling the vega-datasets tables', function () {
  this.timeout(30000);
  const outputs: Record<string, unknown> = {};
  before(async () => {
    const store = new MemoryStore();
    const result = await runPipeline(compilePipeline(profilingPipeline({ stateDir: tempTables({}) })), { store });
    assert.equal(result.status, 'SUCCEEDED', result.reason);
    for (const [id, hash] of Object.entries(result.outputHashes)) outputs[id] = await store.getOutput(hash);
  });

  const pearsonByHand = (xs: number[], ys: number[]): number => {
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b) / n;
    const my = ys.reduce((a, b) => a + b) / n;
    let num = 0, dx = 0, dy = 0;
    for (let i = 0; i < n; i++) (num += (xs[i] - mx) * (ys[i] - my), (dx += (xs[i] - mx) ** 2), (dy += (ys[i] - my) ** 2));
    return num / Math.sqrt(dx * dy);
  };

  describe('when looking at seattle-weather', () => {
    const lines = vegaCsv('seattle-weather.csv');
    const dates = lines.slice(1).map((l) => l[0]).sort();
    it('counts 1,461 rows from 2012-01-01 to 2015-12-31, daily without gaps', () => {
      assert.equal(lines.length - 1, 1461);
      const imported = (outputs.import as ImportOutput).tables.find((t) => t.name === 'seattle-weather')!;
      assert.equal(imported.rows, lines.length - 1);
      const time = (outputs.temporal as TemporalOutput).columns.find((c) => c.table === 'seattle-weather')!;
      assert.deepEqual([time.min, time.max, time.granularity, time.count, time.coverage, time.gapCount], [dates[0], dates[dates.length - 1], 'day', 1461, 1, 0]);
      assert.deepEqual([dates[0], dates[dates.length - 1]], ['2012-01-01', '2015-12-31']);
    });
    it('correlates temp_max and temp_min strongly, as computed by hand', () => {
      const byHand = pearsonByHand(lines.slice(1).map((l) => Number(l[2])), lines.slice(1).map((l) => Number(l[3])));
      const pair = (outputs.correlations as CorrelationsOutput).tables.find((t) => t.name === 'seattle-weather')!.numeric.find((p) => p.a === 'temp_max' && p.b === 'temp_min')!;
      assert.equal(pair.pearson, Math.round(byHand * 1e4) / 1e4);
      // The data give r = 0.8757 (Spearman 0.8863): strong, though not above 0.9.
      assert.ok(pair.pearson! > 0.85 && pair.spearman! > 0.85);
    });
    it('finds the yearly cycle of temp_max at the autocorrelation peak computed by hand', () => {
      const xs = lines.slice(1).map((l) => Number(l[2]));
      const m = xs.reduce((a, b) => a + b) / xs.length;
      const acf = (k: number) => xs.slice(k).reduce((a, x, i) => a + (x - m) * (xs[i] - m), 0);
      let best = 300;
      for (let k = 300; k <= 400; k++) if (acf(k) > acf(best)) best = k;
      const s = (outputs.business_cycles as BusinessCyclesOutput).series.find((x) => x.table === 'seattle-weather' && x.measure === 'temp_max')!;
      assert.equal(s.cycle?.period, best);
      assert.ok(Math.abs(s.cycle!.periodDays - 365) <= 10, `cycle of ${s.cycle?.periodDays} days`);
    });
  });

  describe('when looking at stocks', () => {
    it('types `Jan 1 2000`-style dates as dates, monthly from the first to the last month', () => {
      const lines = vegaCsv('stocks.csv');
      assert.equal(lines[1][1], 'Jan 1 2000');
      const stocks = (outputs.typing as TypingOutput).tables.find((t) => t.name === 'stocks')!;
      assert.deepEqual(stocks.columns.find((c) => c.name === 'date'), { name: 'date', type: 'date', format: 'MMM D YYYY', confidence: 1, nulls: 0, invalid: 0 });
      const time = (outputs.temporal as TemporalOutput).columns.find((c) => c.table === 'stocks')!;
      assert.equal(time.granularity, 'month');
      assert.equal(time.count, lines.length - 1);
    });
  });

  describe('when looking across tables', () => {
    const rel = () => outputs.relationships as RelationshipsOutput;
    const has = (from: string, to: string) => rel().foreignKeys.some((f) => `${f.from.table}.${f.from.column}` === from && `${f.to.table}.${f.to.column}` === to);
    it('finds that flights-airport.origin references airports.iata, which holds every origin', () => {
      const iata = new Set(vegaCsv('airports.csv').slice(1).map((l) => l[0]));
      const origins = vegaCsv('flights-airport.csv').slice(1).map((l) => l[0]);
      assert.ok(origins.every((o) => iata.has(o)));
      assert.ok(has('flights-airport.origin', 'airports.iata'));
      assert.ok(has('flights-airport.destination', 'airports.iata'));
      assert.ok(rel().candidateKeys.some((k) => k.table === 'airports' && k.columns.join() === 'iata'));
    });
    it('finds that lookup_groups.person references lookup_people.name, and not the reverse', () => {
      assert.ok(has('lookup_groups.person', 'lookup_people.name'));
      assert.ok(!has('lookup_people.name', 'lookup_groups.person'));
    });
    it('reads flights-5k.json with all its rows', () => {
      const rows = JSON.parse(fs.readFileSync(path.join(VEGA_DIR, 'flights-5k.json'), 'utf8')) as unknown[];
      assert.equal((outputs.import as ImportOutput).tables.find((t) => t.name === 'flights-5k')!.rows, rows.length);
      assert.ok(has('flights-5k.origin', 'airports.iata'));
    });
  });
});
