import * as path from 'node:path';
import { z } from 'zod';
import { DagbookError } from '../errors';
import { writeFileAtomicSync } from './atomic-file';
import { readStateText } from './state-io';
import type { StatePaths } from './state-paths';
import { nodeFileSystem, type StateFileSystem } from './state-file-system';

/**
 * Stages enabled or disabled from the dashboard, kept with the state rather
 * than the definition: `state/<pipeline>/overrides.json`,
 * `{ "stages": { "<stage-id>": { "enabled": false, "at": "<ISO-8601>" } } }`,
 * replaced whole at each change (temp file + rename). An override wins over
 * the definition's `enabled` (and an environment's) for every later run, dry
 * run and status of the pipeline, whichever process does them, until it is
 * changed again. It is written without the writer's lock: it changes what the
 * *next* run selects, never a run going on (a run reads it once, when it
 * starts), so it must not wait for one to end.
 */

/** One stage's override. */
export interface StageOverride {
  /** Whether runs run the stage. */
  readonly enabled: boolean;
  /** When it was set, ISO-8601. */
  readonly at: string;
}

/** What `overrides.json` holds. */
export interface StageOverrides {
  /** The override of each stage that has one, by stage id. */
  readonly stages: Readonly<Record<string, StageOverride>>;
}

/** Schema of `overrides.json`. */
export const stageOverridesSchema = z.object({
  stages: z.record(z.string(), z.object({ enabled: z.boolean(), at: z.string().datetime({ offset: true }) }).strict()),
});

/** The overrides file of a pipeline: `state/<pipeline>/overrides.json`. */
export function stageOverridesPath(paths: StatePaths): string {
  return path.join(paths.root, 'overrides.json');
}

/**
 * Reads a pipeline's overrides (none when the file does not exist).
 * @throws DagbookError `STATE_CORRUPT` naming the file and the field when it is not overrides; `STATE_IO` when it cannot be read
 */
export function readStageOverrides(paths: StatePaths, fs: StateFileSystem = nodeFileSystem): StageOverrides {
  const file = stageOverridesPath(paths);
  const text = readStateText(file, fs);
  if (text === undefined) return { stages: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DagbookError('STATE_CORRUPT', `${file} is not JSON: fix or delete it (it only holds stages enabled or disabled from the dashboard)`, { data: { path: file } });
  }
  const parsed = stageOverridesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DagbookError('STATE_CORRUPT', `${file}: \`${issue.path.join('.') || '(root)'}\`: ${issue.message}`, { data: { path: file } });
  }
  return parsed.data;
}

/**
 * Sets whether a stage runs, over its definition, and returns the overrides now.
 * @throws DagbookError `STATE_CORRUPT` when the file is damaged; `STATE_IO` when it cannot be written
 */
export function setStageOverride(paths: StatePaths, stageId: string, enabled: boolean, now: number, fs: StateFileSystem = nodeFileSystem): StageOverrides {
  const current = readStageOverrides(paths, fs);
  const next: StageOverrides = { stages: { ...current.stages, [stageId]: { enabled, at: new Date(now).toISOString() } } };
  fs.mkdirSync(paths.root, { recursive: true });
  writeFileAtomicSync(stageOverridesPath(paths), `${JSON.stringify(next, null, 2)}\n`, fs);
  return next;
}
