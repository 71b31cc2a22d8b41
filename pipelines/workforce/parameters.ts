/**
 * The simulation's parameters and their defaults. Per-level arrays are
 * indexed by level 1..5 (index 0 is level 1). Rates are fractions per year.
 */
export interface WorkforceParameters {
  /** Seed of every random draw. @default 42 */
  readonly seed: number;
  /** Employees in the baseline census. @default 10000 */
  readonly censusSize: number;
  /** First simulated year; the census is the workforce on 31 December of the year before. @default 2025 */
  readonly startYear: number;
  /** Target headcount growth per year. @default 0.03 */
  readonly growthRate: number;
  /** Allowed distance of the actual growth from the target (absolute). @default 0.005 */
  readonly growthTolerance: number;
  /** Base termination rate per level. */
  readonly terminationRates: readonly number[];
  /** Termination multiplier by tenure at the start of the year: under 2 years, 2 to 5, over 5. */
  readonly tenureMultipliers: readonly [number, number, number];
  /** Share of the year's hires who leave within the year. @default 0.25 */
  readonly newHireTerminationRate: number;
  /** Promotion rate per level (level 5 is not promoted). */
  readonly promotionRates: readonly number[];
  /** Salary increase on promotion. @default 0.12 */
  readonly promotionRaise: number;
  /** Mean merit raise; each employee's raise is within ± 1 point of it. @default 0.035 */
  readonly meritRate: number;
  /** Share of each year's hires enrolled automatically in the plan. @default 0.75 */
  readonly autoEnrollmentRate: number;
  /** Share of not-enrolled employees who enroll during a year. @default 0.05 */
  readonly voluntaryEnrollmentRate: number;
  /** Salary band per level: minimum. */
  readonly salaryMin: readonly number[];
  /** Salary band per level: maximum. */
  readonly salaryMax: readonly number[];
}

/** The default parameters (a 3% growth plan over a 10,000-employee census). */
export const DEFAULT_PARAMETERS: WorkforceParameters = {
  seed: 42,
  censusSize: 10_000,
  startYear: 2025,
  growthRate: 0.03,
  growthTolerance: 0.005,
  terminationRates: [0.16, 0.12, 0.09, 0.07, 0.05],
  tenureMultipliers: [1.5, 1.0, 0.7],
  newHireTerminationRate: 0.25,
  promotionRates: [0.12, 0.1, 0.07, 0.04, 0],
  promotionRaise: 0.12,
  meritRate: 0.035,
  autoEnrollmentRate: 0.75,
  voluntaryEnrollmentRate: 0.05,
  salaryMin: [45_000, 60_000, 85_000, 115_000, 160_000],
  salaryMax: [65_000, 90_000, 125_000, 175_000, 280_000],
};

/** The defaults with `overrides` applied. */
export function workforceParameters(overrides: Partial<WorkforceParameters> = {}): WorkforceParameters {
  return { ...DEFAULT_PARAMETERS, ...overrides };
}
