import * as fs from 'node:fs';
import * as path from 'node:path';
import Papa from 'papaparse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { writeFileAtomicInBackground } from '../../src/store/atomic-file';
import { queryRows } from './database';
import { sqlInt } from './sql-literal';
import type { ValidationResult } from './validation';

/**
 * The per-year report (a JSON file per year) and the multi-year summary (a
 * CSV file and a growth analysis). The report is built from the year's stage
 * outputs and a per-level summary of the year-end snapshot; it holds no time
 * or path outside the state folder, so the same simulation writes the same
 * bytes (the year's state hash covers the file).
 */

/** The folder of the reports, relative to the pipeline's state folder. */
export const REPORTS_FOLDER = 'reports';

/** One level of the year-end workforce. */
export interface LevelSummary {
  readonly level: number;
  /** Active employees at the level on 31 December. */
  readonly headcount: number;
  /** Mean salary, rounded to the unit. */
  readonly averageSalary: number;
  /** Sum of salaries, rounded to the unit. */
  readonly totalSalary: number;
  /** Enrolled in the plan. */
  readonly enrolled: number;
  /** Mean deferral rate of the enrolled, in % with two decimals. */
  readonly averageDeferralPct: number;
}

/** The report of one simulated year. */
export interface YearReport {
  readonly year: number;
  /** The file, relative to the pipeline's state folder. */
  readonly file: string;
  readonly headcount: { readonly start: number; readonly target: number; readonly end: number; readonly growthPct: number; readonly targetGrowthPct: number };
  /** Events by type. */
  readonly events: Readonly<Record<string, number>>;
  readonly byLevel: readonly LevelSummary[];
  /** Total and mean salary of the active workforce, rounded to the unit. */
  readonly compensation: { readonly total: number; readonly average: number };
  /** Share of the active workforce enrolled, in % with two decimals. */
  readonly participationPct: number;
  /** The failed ERROR and WARNING rules (`rule: message`), and how many rules passed. */
  readonly validation: { readonly errors: readonly string[]; readonly warnings: readonly string[]; readonly passed: number };
  /** Hash of the year-end snapshot. */
  readonly snapshotHash: string;
}

/** The per-level summary of the active workforce at the end of `year`. */
export async function levelSummary(db: DuckDBConnection, year: number): Promise<LevelSummary[]> {
  const rows = await queryRows(db, `SELECT level, count(*) AS headcount, round(avg(salary)) AS average_salary, round(sum(salary)) AS total_salary,
      count(*) FILTER (WHERE enrolled) AS enrolled, round(coalesce(avg(deferral_rate) FILTER (WHERE enrolled), 0) * 100, 2) AS deferral
    FROM workforce_snapshot WHERE year = ${sqlInt('year', year)} AND status = 'active' GROUP BY level ORDER BY level`);
  return rows.map((r) => ({
    level: Number(r.level),
    headcount: Number(r.headcount),
    averageSalary: Number(r.average_salary),
    totalSalary: Number(r.total_salary),
    enrolled: Number(r.enrolled),
    averageDeferralPct: Number(r.deferral),
  }));
}

/** What {@link buildYearReport} takes besides the per-level summary. */
export interface YearFigures {
  readonly year: number;
  readonly startHeadcount: number;
  readonly targetHeadcount: number;
  readonly growthRate: number;
  readonly events: Readonly<Record<string, number>>;
  readonly validation: readonly ValidationResult[];
  readonly snapshotHash: string;
}

/** The year's report from its figures and per-level summary. */
export function buildYearReport(f: YearFigures, byLevel: readonly LevelSummary[]): YearReport {
  const end = sum(byLevel.map((l) => l.headcount));
  const total = sum(byLevel.map((l) => l.totalSalary));
  const failed = (severity: string) => f.validation.filter((r) => !r.passed && r.severity === severity).map((r) => `${r.rule}: ${r.message}`);
  return {
    year: f.year,
    file: yearReportFile(f.year),
    headcount: { start: f.startHeadcount, target: f.targetHeadcount, end, growthPct: pct(end / f.startHeadcount - 1), targetGrowthPct: pct(f.growthRate) },
    events: f.events,
    byLevel,
    compensation: { total, average: end > 0 ? Math.round(total / end) : 0 },
    participationPct: end > 0 ? pct(sum(byLevel.map((l) => l.enrolled)) / end) : 0,
    validation: { errors: failed('ERROR'), warnings: failed('WARNING'), passed: f.validation.filter((r) => r.passed).length },
    snapshotHash: f.snapshotHash,
  };
}

/** The report file of `year`, relative to the pipeline's state folder. */
export function yearReportFile(year: number): string {
  return `${REPORTS_FOLDER}/year-${year}.json`;
}

/** Writes `data` as indented JSON to `file` (atomically, creating its folder). */
export function writeJson(file: string, data: unknown): Promise<void> {
  return writeText(file, `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * Writes `text` to `file` (atomically, creating its folder), with the data
 * sync on the thread pool: stages running beside this one (the last year's
 * checkpoint runs beside the summary) are not held up by it.
 */
export async function writeText(file: string, text: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomicInBackground(file, text);
}

/** One row of the multi-year summary. */
export interface SummaryRow {
  readonly year: number;
  readonly start_headcount: number;
  readonly end_headcount: number;
  readonly growth_pct: number;
  readonly target_growth_pct: number;
  readonly hires: number;
  readonly terminations: number;
  readonly new_hire_terminations: number;
  readonly promotions: number;
  readonly merit_raises: number;
  readonly enrollments: number;
  readonly total_compensation: number;
  readonly average_salary: number;
  readonly participation_pct: number;
  readonly validation_errors: number;
  readonly validation_warnings: number;
}

/** How the headcount grew over the years. */
export interface GrowthAnalysis {
  readonly firstYear: number;
  readonly lastYear: number;
  /** Active employees at the start of the first year and at the end of the last. */
  readonly startHeadcount: number;
  readonly endHeadcount: number;
  /** Growth over all years, in % with two decimals. */
  readonly totalGrowthPct: number;
  /** Compound annual growth rate, in % with two decimals. */
  readonly compoundAnnualGrowthPct: number;
  /** Each year's growth and its distance from the target, in points. */
  readonly byYear: readonly { readonly year: number; readonly growthPct: number; readonly targetGrowthPct: number; readonly deviationPct: number }[];
  /** The year furthest from its target. */
  readonly largestDeviation: { readonly year: number; readonly deviationPct: number };
}

/** The summary row of one year's report. */
export function summaryRow(r: YearReport): SummaryRow {
  const e = (type: string) => r.events[type] ?? 0;
  return {
    year: r.year,
    start_headcount: r.headcount.start,
    end_headcount: r.headcount.end,
    growth_pct: r.headcount.growthPct,
    target_growth_pct: r.headcount.targetGrowthPct,
    hires: e('hire'),
    terminations: e('termination'),
    new_hire_terminations: e('new_hire_termination'),
    promotions: e('promotion'),
    merit_raises: e('merit'),
    enrollments: e('enrollment'),
    total_compensation: r.compensation.total,
    average_salary: r.compensation.average,
    participation_pct: r.participationPct,
    validation_errors: r.validation.errors.length,
    validation_warnings: r.validation.warnings.length,
  };
}

/** The summary rows as CSV text (a header line, then a line per year). */
export function summaryCsv(rows: readonly SummaryRow[]): string {
  return `${Papa.unparse(rows as SummaryRow[], { newline: '\n' })}\n`;
}

/** The growth analysis of the years' reports, in year order (at least one). */
export function growthAnalysis(reports: readonly YearReport[]): GrowthAnalysis {
  const first = reports[0];
  const last = reports[reports.length - 1];
  const byYear = reports.map((r) => ({
    year: r.year,
    growthPct: r.headcount.growthPct,
    targetGrowthPct: r.headcount.targetGrowthPct,
    deviationPct: round2(r.headcount.growthPct - r.headcount.targetGrowthPct),
  }));
  const largest = byYear.reduce((a, b) => (Math.abs(b.deviationPct) > Math.abs(a.deviationPct) ? b : a));
  const ratio = last.headcount.end / first.headcount.start;
  return {
    firstYear: first.year,
    lastYear: last.year,
    startHeadcount: first.headcount.start,
    endHeadcount: last.headcount.end,
    totalGrowthPct: pct(ratio - 1),
    compoundAnnualGrowthPct: pct(ratio ** (1 / reports.length) - 1),
    byYear,
    largestDeviation: { year: largest.year, deviationPct: largest.deviationPct },
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function pct(fraction: number): number {
  return round2(fraction * 100);
}
