import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDagbookError } from '../../../src/errors';
import { generateCensus } from '../../../pipelines/workforce/census';
import { closeWorkforceDatabases, withWorkforceDb } from '../../../pipelines/workforce/database';
import { workforceParameters } from '../../../pipelines/workforce/parameters';
import { simulateYear } from '../../../pipelines/workforce/simulate-year';
import * as stages from '../../../pipelines/workforce/stages';
import type { AccumulateOutput, CensusOutput, NeedsOutput, SummaryOutput, ValidateOutput } from '../../../pipelines/workforce/stages';
import type { EventsOutput } from '../../../pipelines/workforce/stage-io';
import { hashYear, type YearHash } from '../../../pipelines/workforce/year-hash';
import { stageContext } from './stage-context';
import { tempWorkforceDb } from './fixtures';

const SMALL = { censusSize: 2000 };

const folders: string[] = [];

function tempFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-workforce-stages-'));
  folders.push(dir);
  return dir;
}

/** Runs one year's stages in dependency order, the event stages that may overlap at the same time. */
async function runYear(dir: string, year: number, census: CensusOutput, previous: AccumulateOutput | undefined, params: Record<string, unknown> = {}) {
  const ctx = (id: string) => stageContext(id, dir, params, year);
  const needs = await stages.needs(ctx('needs'), { census, 'accumulate@previous': previous });
  const [hires, terminations] = await Promise.all([stages.hires(ctx('hires'), { needs }), stages.terminations(ctx('terminations'), { needs })]);
  const [promotions, merit, enrollment] = await Promise.all([
    stages.promotions(ctx('promotions'), { needs, terminations }),
    stages.merit(ctx('merit'), { needs, terminations }),
    stages.enrollment(ctx('enrollment'), { needs, hires, terminations }),
  ]);
  const events = { needs, hires, terminations, promotions, merit, enrollment };
  const accumulate = await stages.accumulate(ctx('accumulate'), events);
  const validate = await stages.validate(ctx('validate'), { needs, accumulate });
  const report = await stages.report(ctx('report'), { ...events, accumulate, validate });
  return { ...events, accumulate, validate, report };
}

describe('workforce stages', function () {
  this.timeout(60_000);
  after(async () => {
    await closeWorkforceDatabases();
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('when 2025 and 2026 run stage by stage, the event stages of a year at the same time', () => {
    const dir = tempFolder();
    let census: CensusOutput;
    let years: Awaited<ReturnType<typeof runYear>>[];
    let summary: SummaryOutput;
    let sequential: YearHash[];
    let staged: YearHash[];

    before(async () => {
      census = await stages.census(stageContext('census', dir, SMALL));
      const y2025 = await runYear(dir, 2025, census, undefined);
      const y2026 = await runYear(dir, 2026, census, y2025.accumulate);
      years = [y2025, y2026];
      summary = await stages.summary(stageContext('summary', dir), { report: { 2025: y2025.report, 2026: y2026.report } });
      const file = path.join(dir, 'workforce.duckdb');
      staged = await withWorkforceDb(file, async (c) => [await hashYear(c, 2025), await hashYear(c, 2026)]);
      const reference = await tempWorkforceDb();
      try {
        const p = workforceParameters(SMALL);
        await generateCensus(reference.connection, p);
        sequential = [(await simulateYear(reference.connection, 2025, p)).hash, (await simulateYear(reference.connection, 2026, p)).hash];
      } finally {
        reference.dispose();
      }
    });

    it('writes the same tables as the years simulated one function after another', () => {
      assert.deepEqual(staged, sequential);
    });

    it('returns small outputs that name what each stage wrote', () => {
      assert.deepEqual(census.byLevel.reduce((a, b) => a + b, 0), 2000);
      assert.deepEqual([census.seed, census.startYear, census.headcount], [42, 2025, 2000]);
      const [y2025, y2026] = years;
      assert.equal(y2025.needs.startState, census.hash);
      assert.equal(y2026.needs.startState, y2025.accumulate.hash);
      assert.equal(y2025.accumulate.hash, sequential[0].tables.workforce_snapshot);
      assert.deepEqual([y2025.needs.startHeadcount, y2025.needs.targetHeadcount, y2026.needs.startHeadcount], [2000, 2060, y2025.accumulate.active]);
      assert.equal(y2025.accumulate.active, 2060);
      assert.deepEqual(y2025.hires.events, { hire: y2025.needs.hires, new_hire_termination: y2025.needs.newHireTerminations });
      assert.deepEqual(y2025.terminations.events, { termination: y2025.needs.experiencedTerminations });
      assert.deepEqual(Object.keys({ ...y2025.promotions.events, ...y2025.merit.events, ...y2025.enrollment.events }), ['promotion', 'merit', 'enrollment']);
      assert.deepEqual([y2025.validate.errors, y2026.validate.errors], [0, 0]);
    });

    it('writes each year report as JSON under reports/ and returns it', () => {
      for (const y of years) {
        assert.equal(y.report.file, `reports/year-${y.report.year}.json`);
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, y.report.file), 'utf8')), y.report);
      }
      const r = years[0].report;
      assert.deepEqual(r.headcount, { start: 2000, target: 2060, end: 2060, growthPct: 3, targetGrowthPct: 3 });
      assert.deepEqual(r.byLevel.map((l) => l.level), [1, 2, 3, 4, 5]);
      assert.equal(r.byLevel.reduce((a, l) => a + l.headcount, 0), 2060);
      assert.equal(r.events.hire, years[0].needs.hires);
    });

    it('writes the multi-year summary CSV and a growth analysis', () => {
      const csv = fs.readFileSync(path.join(dir, 'reports', 'summary.csv'), 'utf8').split('\n');
      assert.equal(csv[0], 'year,start_headcount,end_headcount,growth_pct,target_growth_pct,hires,terminations,new_hire_terminations,promotions,merit_raises,enrollments,total_compensation,average_salary,participation_pct,validation_errors,validation_warnings');
      assert.deepEqual([csv.length, csv[1].split(',').slice(0, 5), csv[2].split(',')[0], csv[3]], [4, ['2025', '2000', '2060', '3', '3'], '2026', '']);
      assert.deepEqual(summary.rows.map((r) => r.year), [2025, 2026]);
      const end = years[1].accumulate.active;
      assert.deepEqual(
        { ...summary.growth, byYear: undefined },
        {
          firstYear: 2025, lastYear: 2026, startHeadcount: 2000, endHeadcount: end, byYear: undefined,
          totalGrowthPct: Math.round((end / 2000 - 1) * 10000) / 100,
          compoundAnnualGrowthPct: Math.round((Math.sqrt(end / 2000) - 1) * 10000) / 100,
          largestDeviation: summary.growth.largestDeviation,
        },
      );
      const [a, b] = summary.growth.byYear;
      assert.deepEqual(summary.growth.largestDeviation, Math.abs(b.deviationPct) > Math.abs(a.deviationPct) ? { year: 2026, deviationPct: b.deviationPct } : { year: 2025, deviationPct: a.deviationPct });
      assert.ok(summary.growth.byYear.every((y) => Math.abs(y.deviationPct) <= 0.5), JSON.stringify(summary.growth.byYear));
    });

    it('writes the same rows and returns the same output when an event stage runs again', async () => {
      const again = await stages.merit(stageContext('merit', dir, {}, 2026), { needs: years[1].needs, terminations: years[1].terminations });
      assert.deepEqual(again, years[1].merit);
    });

    it('hashes the year state per table and the report file', async () => {
      const parts = await stages.yearStateHash({ period: 2026, stateDir: dir });
      assert.deepEqual(Object.keys(parts), ['workforce_needs', 'workforce_events', 'workforce_snapshot', 'report']);
      assert.deepEqual({ ...parts, report: undefined }, { ...sequential[1].tables, report: undefined });
      fs.appendFileSync(path.join(dir, 'reports', 'year-2026.json'), ' ');
      assert.notEqual((await stages.yearStateHash({ period: 2026, stateDir: dir })).report, parts.report);
    });
  });

  describe('when a year has an event after an employee left', () => {
    const dir = tempFolder();
    let needs: NeedsOutput;
    let accumulate: AccumulateOutput;

    before(async () => {
      const census = await stages.census(stageContext('census', dir, { censusSize: 500 }));
      const year = await runYear(dir, 2025, census, undefined);
      ({ needs, accumulate } = year);
      await withWorkforceDb(path.join(dir, 'workforce.duckdb'), (c) =>
        c.run(`INSERT INTO workforce_events SELECT year, employee_id, 'merit', event_date + 1, level, salary * 1.03, salary, NULL, NULL
          FROM workforce_events WHERE year = 2025 AND event_type = 'termination' AND event_date < DATE '2025-12-31' ORDER BY employee_id LIMIT 1`).then(() => undefined),
      );
    });

    it('fails the validate stage with STAGE_VALIDATION_FAILED naming the rule', async () => {
      const ctx = stageContext('validate', dir, {}, 2025);
      await assert.rejects(stages.validate(ctx, { needs, accumulate }), (e: unknown) => {
        assert.ok(isDagbookError(e));
        assert.equal(e.code, 'STAGE_VALIDATION_FAILED');
        assert.equal(e.message, "Year 2025 failed validation: `event_sequence` (1 events after the employee's termination)");
        assert.deepEqual(e.data, { year: 2025, rules: ['event_sequence'] });
        return true;
      });
      assert.deepEqual(ctx.logs.filter((l) => l.startsWith('ERROR')), ["ERROR event_sequence: 1 events after the employee's termination"]);
    });

    it('records the failure and succeeds when failOnValidationError is false', async () => {
      const out: ValidateOutput = await stages.validate(stageContext('validate', dir, { failOnValidationError: false }, 2025), { needs, accumulate });
      assert.equal(out.errors, 1);
      assert.deepEqual(out.results.filter((r) => !r.passed && r.severity === 'ERROR').map((r) => r.rule), ['event_sequence']);
    });
  });

  describe('when a year does not follow the census', () => {
    it('refuses to plan it', async () => {
      const dir = tempFolder();
      const census = { seed: 42, startYear: 2025, headcount: 1, byLevel: [1, 0, 0, 0, 0], hash: 'h' };
      await assert.rejects(stages.needs(stageContext('needs', dir, {}, 2026), { census }), {
        code: 'INVALID_OPTION',
        message: "Year 2026 starts from the state of 2025, but the census's startYear makes the census 2024 (startYear 2025)",
      });
    });
  });

  describe('when a param is out of range', () => {
    it('names it and its value', async () => {
      const dir = tempFolder();
      await assert.rejects(stages.merit(stageContext('merit', dir, { meritRate: 2 }, 2025), { needs: { year: 2025 } as EventsOutput & NeedsOutput }), {
        code: 'INVALID_OPTION',
        message: 'Invalid workforce params: `meritRate` number must be less than or equal to 0.5, got `2`',
      });
    });
  });

  describe('when the run has no state folder and no databaseFile param', () => {
    it('says the database needs one', async () => {
      const ctx = { ...stageContext('census', ''), stateDir: undefined };
      await assert.rejects(stages.census(ctx), {
        code: 'INVALID_OPTION',
        message: "The workforce database needs the run's state folder (a durable store) or a `databaseFile` param; got neither (`databaseFile` = `undefined`)",
      });
    });
  });
});
