import { DagbookError } from '../errors';
import type { ServiceOptions, StageDefinition, StageFn } from './types';

/**
 * Service stages in the TS API. A service stage has no function of its own:
 * the run loop starts its `service` through the process's supervisor
 * (`service/`). The stage carries a stand-in `run` so that it is a stage
 * like any other until then.
 */

/** The stand-in `run` of a service stage; the run loop never calls it. */
export const serviceStandIn: StageFn = () => {
  throw new DagbookError('STAGE_FAILED', 'A service stage is started by the run loop, not called: run it with `wb.run` or `dagbook run`', { errorClass: 'logic' });
};

/** A service stage as written in the TS API: a stage without `run`, with its `service`. */
export type ServiceStageDefinition = Omit<StageDefinition, 'run' | 'kind' | 'service' | 'discovery' | 'isolation' | 'perPeriod' | 'periodParams'> & {
  /** The process to start and keep running. */
  readonly service: ServiceOptions;
};

/**
 * A stage of `kind: 'service'`: it starts `service.command`, succeeds once
 * the service is ready (its output then describes the service: name, pid,
 * start time, log file), and the service keeps running after the stage and
 * the run, restarted on crash, until stopped. With `forEach`, one service
 * per item.
 */
export function serviceStage(stage: ServiceStageDefinition): StageDefinition {
  return { ...stage, kind: 'service', run: serviceStandIn };
}
