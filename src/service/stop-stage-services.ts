import type { ServiceState } from '../service-record';
import { readServiceStates } from './service-state-file';
import { stopServiceProcess } from './stop-service';
import type { ServiceSupervisor } from './supervisor';

/**
 * Stops the services of a stage (of one item, when named): each through the
 * given supervisor when it is the one running it, else from outside
 * (`stop-service.ts`) whichever process supervises it.
 */

/** What stopping one service did. */
export interface StoppedService {
  /** The service's name. */
  readonly name: string;
  /** Pid of the process ended, when one ran. */
  readonly pid?: number;
  /** Its state before the stop. */
  readonly was: ServiceState['status'];
}

/** Stops the services of `stageId` under a pipeline's state folder; lists what it stopped (services already ended included). */
export async function stopStageServices(
  pipelineDir: string,
  stageId: string,
  options: { readonly itemId?: string; readonly supervisor: ServiceSupervisor; readonly graceMs?: number },
): Promise<StoppedService[]> {
  const states = readServiceStates(pipelineDir).filter((s) => s.stageId === stageId && (options.itemId === undefined || s.itemId === options.itemId));
  const stopped: StoppedService[] = [];
  for (const state of states) {
    const pid = state.status === 'running' || state.status === 'starting' ? state.pid : undefined;
    if (!(await options.supervisor.stop(pipelineDir, state.name))) {
      await stopServiceProcess(pipelineDir, state.name, options.graceMs === undefined ? {} : { graceMs: options.graceMs });
    }
    stopped.push({ name: state.name, ...(pid === undefined ? {} : { pid }), was: state.status });
  }
  return stopped;
}
