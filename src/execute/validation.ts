import type { ValidationRule } from '../definition/types';
import { DagbookError, errorMessage } from '../errors';
import type { ValidationResult } from '../records';
import type { Redactor } from './redact';

/**
 * Checks a stage's output against its validation rules, in order. A rule
 * passes when its check returns `true`; `false` fails it without detail; a
 * string fails it with that string as the detail; a check that throws (or
 * rejects) fails it with the error's message as the detail. Details are
 * redacted. Severity defaults to `error`.
 */
export async function runValidation(
  rules: readonly ValidationRule[],
  output: unknown,
  redact: Redactor,
): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  for (const rule of rules) {
    const severity = rule.severity ?? 'error';
    let verdict: boolean | string;
    try {
      verdict = await rule.check(output);
    } catch (error) {
      verdict = `check threw: ${errorMessage(error)}`;
    }
    if (verdict === true) results.push({ rule: rule.name, severity, passed: true });
    else if (typeof verdict === 'string') results.push({ rule: rule.name, severity, passed: false, detail: redact(verdict) });
    else results.push({ rule: rule.name, severity, passed: false });
  }
  return results;
}

/**
 * The stage's failure for its validation outcomes: `STAGE_VALIDATION_FAILED`
 * (class `persistent`) naming every failed `error`-severity rule and its
 * detail, when `failOnValidationError` is set and there is one; else undefined.
 */
export function validationFailure(stageId: string, results: readonly ValidationResult[], failOnValidationError: boolean): DagbookError | undefined {
  const blocking = results.filter((v) => !v.passed && v.severity === 'error');
  if (!failOnValidationError || blocking.length === 0) return undefined;
  return new DagbookError(
    'STAGE_VALIDATION_FAILED',
    `Stage \`${stageId}\` output failed validation: ${blocking.map((r) => `\`${r.rule}\`${r.detail === undefined ? '' : ` (${r.detail})`}`).join(', ')}`,
    { stageId, errorClass: 'persistent', data: { rules: blocking.map((r) => r.rule) } },
  );
}
