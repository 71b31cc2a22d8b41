import { DagbookError } from '../errors';
import type { EnvironmentVariables } from './environments';

/**
 * The secrets of a pipeline file, declared by the environment variable that
 * holds each (`secrets: { API_KEY: { env: TRIALS_API_KEY } }`), read once,
 * when the file is loaded. The values go where the TS API's `secrets` go —
 * beside the plan, never in it — so they reach stages through `ctx.secret`
 * and the run's redactor, and nothing stores them.
 *
 * Reading a pipeline (its plan, status, events) needs only the secrets'
 * names: loaded with `secrets: 'names'`, a file whose variables are unset
 * keeps them as unset secrets (name and variable), and it is a run that
 * refuses to start without them.
 */

/** A declared secret: the variable that holds its value. */
export interface SecretVariable {
  /** Name of the environment variable. */
  readonly env: string;
}

/** What loading needs of the secrets: their values (a run), or only their names (reading the plan and the state). */
export type SecretMode = 'values' | 'names';

/** A declared secret whose variable is unset or empty. */
export interface MissingSecret {
  /** Name of the secret. */
  readonly secret: string;
  /** Its environment variable. */
  readonly variable: string;
}

/** The declared secrets split into the values that are set and the variables, by secret name, of those that are not. */
export interface SecretValues {
  /** Value by secret name, for each secret whose variable is set. */
  readonly values: Record<string, string>;
  /** Variable by secret name, for each secret whose variable is unset or empty. */
  readonly unset: Record<string, string>;
}

/** Reads each declared secret's variable; never throws. */
export function splitSecretVariables(declared: Readonly<Record<string, SecretVariable>>, variables: EnvironmentVariables): SecretValues {
  const values: Record<string, string> = {};
  const unset: Record<string, string> = {};
  for (const [secret, { env }] of Object.entries(declared)) {
    const value = variables[env];
    if (value === undefined || value === '') unset[secret] = env;
    else values[secret] = value;
  }
  return { values, unset };
}

/**
 * The value of every declared secret, by secret name.
 * @throws DagbookError `SECRET_MISSING` naming every secret whose variable is unset or empty, and the variable.
 */
export function readSecretVariables(pipeline: string, declared: Readonly<Record<string, SecretVariable>>, variables: EnvironmentVariables): Record<string, string> {
  const { values, unset } = splitSecretVariables(declared, variables);
  if (Object.keys(unset).length > 0) throw secretMissingError(pipeline, unset, 'loading');
  return values;
}

/**
 * `SECRET_MISSING` for the secrets in `unset` (variable by secret name), each
 * named with its variable; `data.missing` lists them. `before` says what they
 * are needed for: loading the pipeline, or running it.
 */
export function secretMissingError(pipeline: string, unset: Readonly<Record<string, string>>, before: 'loading' | 'running'): DagbookError {
  const missing: MissingSecret[] = Object.entries(unset).map(([secret, variable]) => ({ secret, variable }));
  const list = missing.map((m) => `\`${m.secret}\` (variable \`${m.variable}\`)`).join(', ');
  const one = missing.length === 1;
  return new DagbookError(
    'SECRET_MISSING',
    `\`${pipeline}\` needs ${one ? 'a secret' : 'secrets'} whose environment variable is not set: ${list}; set ${one ? 'it' : 'them'} before ${before} the pipeline`,
    { errorClass: 'persistent', data: { missing } },
  );
}
