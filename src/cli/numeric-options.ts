import { InvalidArgumentError } from 'commander';

/**
 * Parsers for the CLI's numeric options. Each refuses a value outside its
 * range with a message naming the option and the value
 * (``Expected `--max-parallel` to be an integer >= 1, got `-1` ``); commander
 * prints it and the command exits with code 2, before anything runs.
 * `Number('')` is 0 and `Number(' 1 ')` is 1, so the text itself must look
 * like a number too.
 */

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parser(option: string, expectation: string, accept: (n: number) => boolean) {
  return (text: string): number => {
    const n = NUMBER_TEXT.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(n) || !accept(n)) throw new InvalidArgumentError(`Expected \`${option}\` to be ${expectation}, got \`${text}\``);
    return n;
  };
}

/** An integer >= `min` (stage counts, ports). */
export function integerOption(option: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const expectation = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return parser(option, expectation, (n) => Number.isInteger(n) && n >= min && n <= max);
}

/** A number > 0 (durations). */
export function positiveNumberOption(option: string) {
  return parser(option, 'a number > 0', (n) => n > 0);
}

/** A number >= 0 (ages in days). */
export function nonNegativeNumberOption(option: string) {
  return parser(option, 'a number >= 0', (n) => n >= 0);
}
