import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sha256 } from '../../src/canonical-json';
import type { StageContext, StageInputs } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { accumulateState } from './accumulate';
import { generateCensus } from './census';
import { queryRows, withWorkforceDb } from './database';
import { generateEnrollment } from './enrollment';
import { generateHires } from './hires';
import { generateMerit } from './merit';
import { generatePromotions } from './promotions';
import {
  buildYearReport, growthAnalysis, levelSummary, summaryCsv, summaryRow, writeJson, writeText, yearReportFile,
  REPORTS_FOLDER, type GrowthAnalysis, type SummaryRow, type YearReport,
} from './report';
import { sqlInt } from './sql-literal';
import { databaseFile, eventsOutput, stageFolder, yearOf, type EventsOutput, type PeriodStageContext } from './stage-io';
import { stageParameters } from './stage-params';
import { generateNewHireTerminations, generateTerminations } from './terminations';
import { failures, validateYear, type ValidationResult } from './validation';
import { generateWorkforceNeeds, type WorkforceNeeds } from './workforce-needs';
import { hashCensus, hashRows, hashYear } from './year-hash';

/**
 * The workforce simulation as dagbook stages (`fn: ./workforce/stages#census`
 * in `pipelines/workforce.yaml`): the period-less `census`, then per year
 * `needs` (from the previous year's state) -> `hires` and `terminations` ->
 * `promotions`, `merit` and `enrollment` -> `accumulate` -> `validate` ->
 * `report`, and the period-less `summary` over every year's report.
 *
 * The state lives in one DuckDB file beside the run's state; every stage
 * writes only its own rows of its year (deleting them first, so a re-run or
 * a resumed attempt is idempotent) and returns a small output that names the
 * hash of what it wrote. `needs` is the year's plan: it carries the start
 * state's hash and the rates the year's stages draw with (growth, termination
 * rates), so every stage of the year follows the start state and a rate is
 * declared in one place.
 */

/** Output of `census`. */
export interface CensusOutput {
  readonly seed: number;
  /** The first simulated year (the census is the workforce on 31 December of the year before). */
  readonly startYear: number;
  readonly headcount: number;
  /** Employees by level, levels 1..5. */
  readonly byLevel: readonly number[];
  /** Hash of the census rows (see `hashRows`). */
  readonly hash: string;
}

/** Output of `needs`: the year's plan. */
export interface NeedsOutput extends WorkforceNeeds {
  /** Hash of the state the year starts from (the previous year's snapshot, or the census). */
  readonly startState: string;
  readonly growthRate: number;
  readonly terminationRates: readonly number[];
  readonly tenureMultipliers: readonly [number, number, number];
}

/** Output of `accumulate`. */
export interface AccumulateOutput {
  readonly year: number;
  /** Active employees on 31 December. */
  readonly active: number;
  /** Employees who left during the year. */
  readonly terminated: number;
  /** The enrollment accumulator: active employees enrolled in the plan. */
  readonly enrolled: number;
  /** The deferral accumulator: mean deferral rate of the enrolled active employees, in % with two decimals. */
  readonly averageDeferralPct: number;
  /** Hash of the year-end snapshot (see `hashRows`). */
  readonly hash: string;
}

/** Output of `validate`. */
export interface ValidateOutput {
  readonly year: number;
  readonly results: readonly ValidationResult[];
  readonly errors: number;
  readonly warnings: number;
}

/** Output of `summary`. */
export interface SummaryOutput {
  /** The CSV file, relative to the pipeline's state folder. */
  readonly file: string;
  readonly rows: readonly SummaryRow[];
  readonly growth: GrowthAnalysis;
}

function db<T>(ctx: StageContext, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  return withWorkforceDb(databaseFile(ctx.stateDir, ctx.params, ctx.stageId), work);
}

/** Generates the baseline census from the seed (params `seed`, `censusSize`, `startYear`, `salaryMin`, `salaryMax`). */
export async function census(ctx: StageContext): Promise<CensusOutput> {
  const p = stageParameters(ctx.params, ['seed', 'censusSize', 'startYear', 'salaryMin', 'salaryMax']);
  return db(ctx, async (c) => {
    const headcount = await generateCensus(c, p);
    const levels = await queryRows(c, 'SELECT level, count(*) AS n FROM census GROUP BY level ORDER BY level');
    const byLevel = [1, 2, 3, 4, 5].map((l) => Number(levels.find((r) => r.level === l)?.n ?? 0));
    return { seed: p.seed, startYear: p.startYear, headcount, byLevel, hash: await hashCensus(c) };
  });
}

/**
 * The year's workforce needs from the previous year's state and the growth
 * target (params `growthRate`, `newHireTerminationRate`, `terminationRates`,
 * `tenureMultipliers`).
 * @throws DagbookError `INVALID_OPTION` when the year does not follow the census or the previous year.
 */
export async function needs(ctx: PeriodStageContext, inputs: StageInputs): Promise<NeedsOutput> {
  const year = yearOf(ctx);
  const p = stageParameters(ctx.params, ['growthRate', 'newHireTerminationRate', 'terminationRates', 'tenureMultipliers']);
  const baseline = inputs.census as CensusOutput;
  const previous = inputs['accumulate@previous'] as AccumulateOutput | undefined;
  const from = previous ? previous.year : baseline.startYear - 1;
  if (from !== year - 1) {
    throw new DagbookError('INVALID_OPTION', `Year ${year} starts from the state of ${year - 1}, but the ${previous ? 'previous period is' : "census's startYear makes the census"} ${from}${previous ? '' : ` (startYear ${baseline.startYear})`}`, {
      stageId: ctx.stageId,
      data: { year, from },
    });
  }
  return db(ctx, async (c) => ({
    ...(await generateWorkforceNeeds(c, year, p)),
    startState: previous ? previous.hash : baseline.hash,
    growthRate: p.growthRate,
    terminationRates: p.terminationRates,
    tenureMultipliers: p.tenureMultipliers,
  }));
}

/** The year's hires and the new hires who leave within the year (params `seed`, `salaryMin`, `salaryMax`). */
export async function hires(ctx: PeriodStageContext, inputs: StageInputs): Promise<EventsOutput> {
  const year = yearOf(ctx);
  const p = stageParameters(ctx.params, ['seed', 'salaryMin', 'salaryMax']);
  assertPlan(inputs, year);
  return db(ctx, async (c) => {
    await generateHires(c, year, p);
    await generateNewHireTerminations(c, year, p);
    return eventsOutput(c, year, ['hire', 'new_hire_termination']);
  });
}

/** The year's terminations of the start workforce at the rates of the year's plan (param `seed`). */
export async function terminations(ctx: PeriodStageContext, inputs: StageInputs): Promise<EventsOutput> {
  const year = yearOf(ctx);
  const plan = assertPlan(inputs, year);
  const p = { ...stageParameters(ctx.params, ['seed']), terminationRates: plan.terminationRates, tenureMultipliers: plan.tenureMultipliers };
  return db(ctx, async (c) => {
    await generateTerminations(c, year, p);
    return eventsOutput(c, year, ['termination']);
  });
}

/**
 * A stage that writes one kind of the year's events from the params it
 * names: it checks the year's plan is among its inputs, runs `generate` and
 * returns the counts and hash of what it wrote.
 */
function eventStage(
  names: Parameters<typeof stageParameters>[1],
  generate: (c: DuckDBConnection, year: number, p: ReturnType<typeof stageParameters>) => Promise<unknown>,
  eventTypes: readonly string[],
): (ctx: PeriodStageContext, inputs: StageInputs) => Promise<EventsOutput> {
  return async (ctx, inputs) => {
    const year = yearOf(ctx);
    assertPlan(inputs, year);
    const p = stageParameters(ctx.params, names);
    return db(ctx, async (c) => {
      await generate(c, year, p);
      return eventsOutput(c, year, eventTypes);
    });
  };
}

/** The year's promotions (params `seed`, `promotionRates`, `promotionRaise`). */
export const promotions = eventStage(['seed', 'promotionRates', 'promotionRaise'], generatePromotions, ['promotion']);

/** The year's merit raises (params `seed`, `meritRate`). */
export const merit = eventStage(['seed', 'meritRate'], generateMerit, ['merit']);

/** The year's plan enrollments (params `seed`, `autoEnrollmentRate`, `voluntaryEnrollmentRate`). */
export const enrollment = eventStage(['seed', 'autoEnrollmentRate', 'voluntaryEnrollmentRate'], generateEnrollment, ['enrollment']);

/** The year-end snapshot from the start state and the year's events, with the enrollment and deferral accumulators. */
export async function accumulate(ctx: PeriodStageContext, inputs: StageInputs): Promise<AccumulateOutput> {
  const year = yearOf(ctx);
  assertPlan(inputs, year);
  return db(ctx, async (c) => {
    await accumulateState(c, year);
    const [row] = await queryRows(c, `SELECT count(*) FILTER (WHERE status = 'active') AS active, count(*) FILTER (WHERE status = 'terminated') AS terminated,
        count(*) FILTER (WHERE status = 'active' AND enrolled) AS enrolled,
        round(coalesce(avg(deferral_rate) FILTER (WHERE status = 'active' AND enrolled), 0) * 100, 2) AS deferral
      FROM workforce_snapshot WHERE year = ${sqlInt('year', year)}`);
    return {
      year,
      active: Number(row.active),
      terminated: Number(row.terminated),
      enrolled: Number(row.enrolled),
      averageDeferralPct: Number(row.deferral),
      hash: await hashRows(c, `SELECT * FROM workforce_snapshot WHERE year = ${sqlInt('year', year)}`),
    };
  });
}

/**
 * Runs the year's validation rules (param `growthTolerance`; the growth target
 * comes from the year's plan). Each failed WARNING is logged. Failed ERRORs
 * fail the stage unless the param `failOnValidationError` is `false`.
 * @throws DagbookError `STAGE_VALIDATION_FAILED` (persistent) naming each failed ERROR rule.
 */
export async function validate(ctx: PeriodStageContext, inputs: StageInputs): Promise<ValidateOutput> {
  const year = yearOf(ctx);
  const plan = assertPlan(inputs, year);
  const p = { ...stageParameters(ctx.params, ['growthTolerance']), growthRate: plan.growthRate };
  const results = await db(ctx, (c) => validateYear(c, year, p));
  const errors = failures(results, 'ERROR');
  const warnings = failures(results, 'WARNING');
  for (const w of warnings) ctx.log(`WARNING ${w.rule}: ${w.message}`, { year, rule: w.rule, severity: w.severity });
  for (const e of errors) ctx.log(`ERROR ${e.rule}: ${e.message}`, { year, rule: e.rule, severity: e.severity });
  if (errors.length > 0 && ctx.params.failOnValidationError !== false) {
    throw new DagbookError('STAGE_VALIDATION_FAILED', `Year ${year} failed validation: ${errors.map((e) => `\`${e.rule}\` (${e.message})`).join(', ')}`, {
      stageId: ctx.stageId,
      errorClass: 'persistent',
      data: { year, rules: errors.map((e) => e.rule) },
    });
  }
  return { year, results, errors: errors.length, warnings: warnings.length };
}

/** Writes the year's JSON report to `<state folder>/reports/year-<year>.json` and returns it. */
export async function report(ctx: PeriodStageContext, inputs: StageInputs): Promise<YearReport> {
  const year = yearOf(ctx);
  const plan = assertPlan(inputs, year);
  const events = Object.assign({}, ...['hires', 'terminations', 'promotions', 'merit', 'enrollment'].map((id) => (inputs[id] as EventsOutput).events)) as Record<string, number>;
  const byLevel = await db(ctx, (c) => levelSummary(c, year));
  const yearReport = buildYearReport(
    {
      year,
      startHeadcount: plan.startHeadcount,
      targetHeadcount: plan.targetHeadcount,
      growthRate: plan.growthRate,
      events,
      validation: (inputs.validate as ValidateOutput).results,
      snapshotHash: (inputs.accumulate as AccumulateOutput).hash,
    },
    byLevel,
  );
  await writeJson(path.join(stageFolder(ctx), yearReport.file), yearReport);
  return yearReport;
}

/** Writes the multi-year summary to `<state folder>/reports/summary.csv` and returns it with the growth analysis. */
export async function summary(ctx: StageContext, inputs: StageInputs): Promise<SummaryOutput> {
  const reports = Object.values(inputs.report as Record<string, YearReport>).sort((a, b) => a.year - b.year);
  if (reports.length === 0) throw new DagbookError('INVALID_OPTION', 'The summary needs the report of at least one year, got none', { stageId: ctx.stageId });
  const rows = reports.map(summaryRow);
  const file = `${REPORTS_FOLDER}/summary.csv`;
  await writeText(path.join(stageFolder(ctx), file), summaryCsv(rows));
  return { file, rows, growth: growthAnalysis(reports) };
}

/** What the engine gives the period state hash. */
export interface PeriodStateInput {
  readonly period: number | string;
  readonly stateDir?: string;
}

/**
 * The period state hash of a simulated year (the pipeline's `stateHash`): a
 * hash per table of the rows the year wrote — its needs, its events, its
 * year-end snapshot — and of its report file (`absent` when there is none).
 * @throws DagbookError `INVALID_OPTION` when the run has no state folder or the period is not a year.
 */
export async function yearStateHash(ctx: PeriodStateInput): Promise<Record<string, string>> {
  const year = ctx.period;
  if (typeof year !== 'number' || !Number.isSafeInteger(year)) throw new DagbookError('INVALID_OPTION', `Expected the period to be an integer year, got \`${String(year)}\``);
  const file = databaseFile(ctx.stateDir, {});
  const { tables } = await withWorkforceDb(file, (c, connect) => hashYear(c, year, connect));
  const reportFile = path.join(path.dirname(file), yearReportFile(year));
  return { ...tables, report: fs.existsSync(reportFile) ? sha256(fs.readFileSync(reportFile)) : 'absent' };
}

/** The year's plan from the inputs, checked to be of `year`. */
function assertPlan(inputs: StageInputs, year: number): NeedsOutput {
  const plan = inputs.needs as NeedsOutput | undefined;
  if (plan?.year !== year) {
    throw new DagbookError('INVALID_OPTION', `Expected the needs of ${year} among the inputs, got ${plan === undefined ? 'none' : `those of ${plan.year}`}`);
  }
  return plan;
}
