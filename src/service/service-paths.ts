import * as nodePath from 'node:path';
import { sha256 } from '../canonical-json';

/**
 * Where a service's files go, under its pipeline's state folder:
 * `services/<name>.json` (its state), `services/<name>.stop` (a stop
 * requested by any process), `services/logs/<name>.log` (its output, rotated
 * to `<name>.log.1` … `.N`). A per-item service is named `<stage>@<item>`,
 * the item id as it is when it is a plain file name, else a hash of it.
 */

const PLAIN_ITEM_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** The name of a service: its stage id, or `<stage>@<item>` for a per-item service stage. */
export function serviceName(stageId: string, itemId?: string): string {
  if (itemId === undefined) return stageId;
  return `${stageId}@${PLAIN_ITEM_ID.test(itemId) && itemId !== '.' && itemId !== '..' ? itemId : `h-${sha256(itemId).slice(0, 16)}`}`;
}

/** The services folder of a pipeline's state folder. */
export function servicesDir(pipelineDir: string): string {
  return nodePath.join(pipelineDir, 'services');
}

/** The state file of a service. */
export function serviceStateFile(pipelineDir: string, name: string): string {
  return nodePath.join(servicesDir(pipelineDir), `${name}.json`);
}

/** The file whose presence asks a service's supervisor not to restart it. */
export function serviceStopFile(pipelineDir: string, name: string): string {
  return nodePath.join(servicesDir(pipelineDir), `${name}.stop`);
}

/** The log file of a service. */
export function serviceLogFile(pipelineDir: string, name: string): string {
  return nodePath.join(servicesDir(pipelineDir), 'logs', `${name}.log`);
}
