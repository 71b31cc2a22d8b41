import { NonRetryableError } from '../../src/errors';
import { openReadOnly } from './sqlite';

/**
 * The COMPLETE trials of an Optuna study, read from its SQLite storage
 * (Optuna's schema: `studies`, `trials`, `trial_params`, `trial_values`).
 * Optuna stores every param as a float beside its distribution: an integer
 * param is rounded back, a categorical one is the index of its choice.
 */

/** A param value as the study suggested it. */
export type TrialParam = number | string | boolean | null;

/** One COMPLETE trial. */
export interface StudyTrial {
  /** The trial's number in its study, from 0. */
  readonly number: number;
  /** The objective's value (the first objective of a multi-objective study). */
  readonly value: number;
  /** Params by name, in name order. */
  readonly params: Readonly<Record<string, TrialParam>>;
}

interface TrialRow {
  readonly trial_id: number;
  readonly number: number;
  readonly value: number | null;
}

interface ParamRow {
  readonly trial_id: number;
  readonly param_name: string;
  readonly param_value: number;
  readonly distribution_json: string;
}

/** A stored param value back in the type its distribution gives. */
export function paramValue(stored: number, distributionJson: string): TrialParam {
  const distribution = JSON.parse(distributionJson) as { name?: string; attributes?: { choices?: readonly TrialParam[] } };
  if (distribution.name === 'IntDistribution' || distribution.name === 'IntUniformDistribution' || distribution.name === 'IntLogUniformDistribution') return Math.round(stored);
  if (distribution.name === 'CategoricalDistribution') return distribution.attributes?.choices?.[stored] ?? null;
  return stored;
}

/**
 * The COMPLETE trials of study `study` in the SQLite file `file`, by number.
 * @throws NonRetryableError when the file holds no study of that name
 */
export function readCompleteTrials(file: string, study: string): StudyTrial[] {
  const db = openReadOnly(file);
  try {
    const found = db.prepare('SELECT study_id FROM studies WHERE study_name = ?').all(study) as { study_id: number }[];
    if (found.length === 0) {
      const names = (db.prepare('SELECT study_name FROM studies ORDER BY study_name').all() as { study_name: string }[]).map((r) => `\`${r.study_name}\``);
      throw new NonRetryableError(`Study \`${study}\` is not in ${file}: it holds ${names.length === 0 ? 'no study' : names.join(', ')}`);
    }
    const studyId = found[0]!.study_id;
    const trials = db
      .prepare(
        `SELECT t.trial_id, t.number, v.value FROM trials t
         LEFT JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0
         WHERE t.study_id = ? AND t.state = 'COMPLETE' ORDER BY t.number`,
      )
      .all(studyId) as TrialRow[];
    const params = db
      .prepare(
        `SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p
         JOIN trials t ON t.trial_id = p.trial_id
         WHERE t.study_id = ? AND t.state = 'COMPLETE' ORDER BY p.param_name`,
      )
      .all(studyId) as ParamRow[];
    const byTrial = new Map<number, Record<string, TrialParam>>();
    for (const p of params) {
      const own = byTrial.get(p.trial_id) ?? {};
      own[p.param_name] = paramValue(p.param_value, p.distribution_json);
      byTrial.set(p.trial_id, own);
    }
    return trials.map((t) => ({ number: t.number, value: t.value ?? Number.NaN, params: byTrial.get(t.trial_id) ?? {} }));
  } finally {
    db.close();
  }
}
