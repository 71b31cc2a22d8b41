/**
 * The figures `npm run bench` checks against the targets it prints: each
 * figure is one line (`name: value unit (target <= x): pass`, or `>=` for a rate) and one entry
 * of the final JSON line's `checks`. A benchmark that is out of reach prints
 * `FAIL` with its measured figure; the bench never hides it.
 */

/** One checked figure. */
export interface FigureCheck {
  /** What was measured. */
  readonly name: string;
  /** The measured figure. */
  readonly value: number;
  /** Its unit (`ms/stage`, `ms`, `%`, `x`). */
  readonly unit: string;
  /** How it compares to the target. */
  readonly op: '<=' | '<' | '>=';
  /** The target. */
  readonly target: number;
  /** Whether the figure meets the target. */
  readonly pass: boolean;
}

/** The checked figures of one bench run, in the order they were added. */
export class BenchReport {
  readonly checks: FigureCheck[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** Checks a figure against its target and prints its line. */
  add(name: string, value: number, unit: string, op: FigureCheck['op'], target: number): FigureCheck {
    const pass = op === '<=' ? value <= target : op === '>=' ? value >= target : value < target;
    const check: FigureCheck = { name, value, unit, op, target, pass };
    this.checks.push(check);
    this.log(`${pass ? 'pass' : 'FAIL'}  ${name}: ${value} ${unit} (target ${op} ${target} ${unit})`);
    return check;
  }

  /** Whether every figure met its target. */
  get allPass(): boolean {
    return this.checks.every((c) => c.pass);
  }
}
