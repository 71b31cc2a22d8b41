import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { z } from 'zod';
import type { ServiceState } from '../service-record';
import { servicesDir } from './service-paths';

/**
 * The state file of a service: written whole by its supervisor on every
 * change of state (temp file + rename, so a reader never sees half of one),
 * read by anyone without a lock. It is a status record, not a checkpoint:
 * it is not fsynced (a power cut at worst shows an earlier state of a
 * service whose process the power cut ended anyway). A file that does not
 * parse is skipped by readers, not fatal.
 */

const exitSchema = z.object({ code: z.number().nullable(), signal: z.string().nullable(), at: z.number(), reason: z.string() });

const stateSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  pipeline: z.string(),
  stageId: z.string(),
  itemId: z.string().optional(),
  cacheKey: z.string(),
  status: z.enum(['starting', 'running', 'restarting', 'failed', 'stopped']),
  pid: z.number().int().optional(),
  supervisorPid: z.number().int(),
  command: z.array(z.string()),
  startedAt: z.number(),
  processStartedAt: z.number().optional(),
  restarts: z.number().int(),
  restartTimes: z.array(z.number()),
  lastExit: exitSchema.optional(),
  logFile: z.string(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  lastLines: z.array(z.string()).optional(),
  updatedAt: z.number(),
});

let tempCounter = 0;

/** Writes a service's state file whole (temp file + rename). */
export function writeServiceState(file: string, state: ServiceState): void {
  fs.mkdirSync(nodePath.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${++tempCounter}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temp, file);
}

/** A service's state, or undefined when its file is missing or does not parse. */
export function readServiceState(file: string): ServiceState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as ServiceState) : undefined;
  } catch {
    return undefined;
  }
}

/** Every service's state under a pipeline's state folder, by name. */
export function readServiceStates(pipelineDir: string): ServiceState[] {
  const dir = servicesDir(pipelineDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => readServiceState(nodePath.join(dir, n)))
    .filter((s): s is ServiceState => s !== undefined);
}
