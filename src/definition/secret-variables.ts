import { DagbookError } from '../errors';
import type { EnvironmentVariables } from './environments';

/**
 * The secrets of a pipeline file, declared by the environment variable that
 * holds each (`secrets: { API_KEY: { env: TRIALS_API_KEY } }`), read once,
 * when the file is loaded. The values go where the TS API's `secrets` go —
 * beside the plan, never in it — so they reach stages through `ctx.secret`
 * and the run's redactor, and nothing stores them.
 */

/** A declared secret: the variable that holds its value. */
export interface SecretVariable {
  /** Name of the environment variable. */
  readonly env: string;
}

/**
 * The value of every declared secret, by secret name.
 * @throws DagbookError `SECRET_MISSING` naming every secret whose variable is unset or empty, and the variable.
 */
export function readSecretVariables(pipeline: string, declared: Readonly<Record<string, SecretVariable>>, variables: EnvironmentVariables): Record<string, string> {
  const values: Record<string, string> = {};
  const missing: { secret: string; variable: string }[] = [];
  for (const [secret, { env }] of Object.entries(declared)) {
    const value = variables[env];
    if (value === undefined || value === '') missing.push({ secret, variable: env });
    else values[secret] = value;
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `\`${m.secret}\` (variable \`${m.variable}\`)`).join(', ');
    throw new DagbookError(
      'SECRET_MISSING',
      `\`${pipeline}\` needs ${missing.length === 1 ? 'a secret' : 'secrets'} whose environment variable is not set: ${list}; set ${missing.length === 1 ? 'it' : 'them'} before loading the pipeline`,
      { errorClass: 'persistent', data: { missing } },
    );
  }
  return values;
}
